#!/usr/bin/env bash
echo "infra/local: nothing to stop"
