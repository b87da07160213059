function (doc) {
  // Passes counted by [label, status, module]: follow a campaign by its label.
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    var labels = p.labels || [];
    for (var j = 0; j < labels.length; j++) emit([labels[j], p.status, doc.module], 1);
  }
}
