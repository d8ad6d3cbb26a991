"""Data: the pixelation degradation, image files in and out, photos with no download, the static dataset builder."""
