"""Reference data (countries, organisation types, themes, action rules) and the importers that
turn real files into registry rows. Depends on ``models`` only."""
