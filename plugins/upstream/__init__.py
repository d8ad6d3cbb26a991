"""The upstream boundary: linking our modules into an upstream checkout, its option parsers and flavour, the
driver that runs its scripts (flags per flavour and device, logs, Ctrl-C), and the two modules upstream loads by
file name (pixelated_dataset, restore_model)."""
