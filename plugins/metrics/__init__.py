"""Metrics: PSNR, cosine similarity and SSIM on uint8 images (quality), their fused SSIM kernel, and the same
scores on training tensors (live_metrics)."""
