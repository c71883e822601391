"""Deployment layer: a trained checkpoint put to use (predictors, ONNX export, HTTP serving). Reads
checkpoints through `train.checkpoint`; nothing here trains."""
