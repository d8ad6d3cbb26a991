"""pix2pix-restore: plugins that turn upstream pix2pix into a tool for restoring pixelated images."""
