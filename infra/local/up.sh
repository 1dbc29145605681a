#!/usr/bin/env bash
# Placeholder until the infra scripts land: starts nothing.
echo "infra/local: nothing to start yet"
