"""English month names, as the composer says a byline's date and the normalizer says dates (one list for both).

A module of its own so that composing does not load the normalizer: a rebuild whose segments are all in the script
memo never needs it."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
          "December")
"""January to December."""
