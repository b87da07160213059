function (doc) {
  // Data documents by [label, module, run].
  if (doc.type !== 'data' || !doc.labels) return;
  for (var i = 0; i < doc.labels.length; i++) emit([doc.labels[i], doc.module, doc.run], doc.data_type);
}
