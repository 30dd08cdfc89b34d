"""Stage 5, recognize: the front that reads a letter, a word or a page and returns named results."""
