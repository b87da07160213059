function (doc) {
  // Data documents by [module, run, pass, data type], with their number of files.
  if (doc.type !== 'data') return;
  emit([doc.module, doc.run, doc.pass, doc.data_type], doc.files ? doc.files.length : 0);
}
