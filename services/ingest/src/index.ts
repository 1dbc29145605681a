export { createIngestPipeline, type IngestPipeline, type HandleMeta, type HandleResult, type Outcome, type PipelineDeps, type Transport, type IngestTopics } from './pipeline.js';
export { startTcpIngest, type TcpIngest, type TcpIngestOptions } from './tcp.js';
export { startMqttIngest, MqttTopics, type MqttIngest, type MqttIngestOptions } from './mqtt.js';
export { startIngest, type StartIngestOptions, type RunningIngest } from './ingest.js';
export { IngestEnv, pipelineOptionsFromEnv } from './config.js';
export { defaultIngestOptions, type IngestOptions } from './options.js';
export { createIngestMetrics, type IngestMetrics } from './metrics.js';
export { JsonUpload, parseJsonUpload, JsonUploadError } from './json-payload.js';
export { createFrameStream, type FrameStream } from './frame-stream.js';
