function (doc) {
  // Waiting passes, lowest run first ("runlevel"); query with descending=true for "newfirst".
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.status === 'waiting') emit([doc.run, doc.module, p.pass], p.version);
  }
}
