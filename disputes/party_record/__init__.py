"""The parties' own record (SPEC 13.4, seed step 11): the decision as a PDF, their copy of
the case file, and a page saying what else they can do if they disagree.

``selectors`` (what a party may take away: their dispute, the decision as they may see
it), ``pdf`` (the decision rendered by WeasyPrint from a Django template), ``views``
(pages) and ``api`` (the same through the REST API). The case file itself is the
mediators' (``mediation.casefile``) with a party scope.
"""
