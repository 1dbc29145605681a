//go:build tools

// Package tools only pins cmd/influxd (a main package) into this module's build list so that
// `go build github.com/influxdata/influxdb/v2/cmd/influxd` resolves with a checked go.sum.
package tools

import (
	_ "github.com/influxdata/influxdb/v2/cmd/influxd"
	_ "github.com/influxdata/pkg-config"
)
