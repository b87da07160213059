function (doc) {
  // Runs by [processing status, run]: pending runs to queue, failed runs to look at.
  if (doc.type !== 'run') return;
  emit([doc.processing_status || null, doc.run], doc.run_type);
}
