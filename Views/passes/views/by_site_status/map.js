function (doc) {
  // Passes locked to a site, by [site, status, run]: what one site is working on.
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.site) emit([p.site, p.status, doc.run], { module: doc.module, pass: p.pass });
  }
}
