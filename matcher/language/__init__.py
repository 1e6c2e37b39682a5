"""Reading project ideas and registry texts in the languages of the programme's users.

- :mod:`matcher.language.english`: English words as the topical index reads them (folded,
  stop words out, plural nouns as singular, British spelling);
- :mod:`matcher.language.ideas`: an idea's language, and its English words: Finnish and
  Swedish ones through the glossary (lemmatised with ``simplemma``'s forms, compounds
  split);
- :mod:`matcher.language.lexicon`: the shipped resources (glossary, stop words, forms).
"""

from matcher.language.ideas import IdeaWords, detect_language, document_words, read_idea

__all__ = ["IdeaWords", "detect_language", "document_words", "read_idea"]
