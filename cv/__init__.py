"""Photo analysis for citizens' reports: an adapter around the core, called by the service layer.

Importing ``cv`` or any of its modules builds nothing: no onnxruntime session, no file read.
The composition root builds one tagger (``cv.tagger.load_tagger``) and passes it in.

Modules, by what the service layer needs:

* ``cv.tagger``: ``load_tagger(model_path, TaggerConfig(...)) -> AbstractTagger`` (an
  ``OnnxTagger``, or an ``UnavailableTagger`` that says why); ``tagger.tag(photos)`` gives one
  ``TagResult`` per photo (embedding, ImageNet hints for staff, quality, EXIF, pHash, or an error);
  ``FakeTagger`` for callers' unit tests.
* ``cv.head``: ``train_head(embeddings, labels, model_sha256)`` from staff labels,
  ``CategoryHead.predict``, ``to_bytes``/``from_bytes``, ``evaluate``.
* ``cv.keywords``: ``keyword_scores(description, rules)``; ``cv.decision``: ``decide(...)``.
* ``cv.duplicates``: ``find_duplicates(new, candidates, params)``.
* ``cv.location``: ``check_photo(exif, reported_location, submitted_at, city_tz)``.
* ``cv.cli``: ``tag_paths(paths)`` for ``tanggap cv tag PATH...``; ``python -m cv tag PATH...``.

Lower level: ``cv.images`` (safe decoding and the model's input), ``cv.exif``, ``cv.quality``,
``cv.phash``, ``cv.vectors``, ``cv.geo``, ``cv.modelfile``; every error is in ``cv.errors``.
"""
