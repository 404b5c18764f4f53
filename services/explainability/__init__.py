"""explainability: answers about why a resource is the way it is, with their evidence."""
