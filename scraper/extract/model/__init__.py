"""Learned judgement: small models trained on the development sets, shipped as data files.

:mod:`~scraper.extract.model.trees` evaluates an exported gradient-boosted tree ensemble with numpy
alone (the training library never loads at run time); :mod:`~scraper.extract.model.lines` decides,
line by line, what of the extracted text is boilerplate. How the models are trained and measured
(cross-validated by site) is in ``training/`` and ``docs/models.md``.
"""
