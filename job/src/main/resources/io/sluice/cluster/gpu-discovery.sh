#!/usr/bin/env bash
# GPU discovery for Flink's external-resource framework, as Flink's GPU plugin calls its script: the first
# argument is the number of GPUs the TaskManager asks for; prints the indexes of up to that many NVIDIA GPUs,
# comma-separated, or nothing when the machine has none (the TaskManager then has no GPU: Sluice's inference
# subtasks run on the CPU and report backendGpu 0).
amount="${1:-1}"
if ! command -v nvidia-smi >/dev/null 2>&1; then
  exit 0
fi
nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | head -n "$amount" | paste -sd, -
exit 0
