function (doc) {
  // Job documents by run number, with their module and number of passes.
  if (doc.type !== 'job') return;
  emit(doc.run, { module: doc.module, passes: doc.passes ? doc.passes.length : 0 });
}
