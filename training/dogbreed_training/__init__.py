"""Dog-breed classifier training: transfer learning with torchvision, single or multi-process (DDP), ONNX export."""
