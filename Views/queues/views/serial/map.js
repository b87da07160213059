function (doc) {
  // Waiting passes, oldest created first ("serial").
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status === 'waiting') emit([p.created || '', doc.run, doc.module, p.pass], p.version);
  }
}
