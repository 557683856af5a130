# Here, not in target.py, so the CLI can name it without loading numpy.
EVERY_OTHER = "every-other"  # --holdout: train on pixels [::2, ::2], test on [1::2, 1::2]
