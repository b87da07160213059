function (doc) {
  // Complete runs by number, with their run type: what run sensing walks.
  if (doc.type !== 'run' || doc.complete !== true) return;
  emit(doc.run, doc.run_type);
}
