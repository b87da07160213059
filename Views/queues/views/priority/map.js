function (doc) {
  // Waiting passes, highest priority first, then lowest run ("priority").
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status === 'waiting') emit([-(p.priority || 0), doc.run, doc.module, p.pass], p.version);
  }
}
