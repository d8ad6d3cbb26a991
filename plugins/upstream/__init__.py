"""The upstream boundary: linking our modules into an upstream checkout, its option parsers and flavour, the
commands that drive it, and the two modules upstream loads by file name (pixelated_dataset, restore_model)."""
