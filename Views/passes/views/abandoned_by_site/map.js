function (doc) {
  // Batch jobs of attempts that were reset while their site was away, by [site, run]: what a
  // returning site must cancel and clean up.
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (!p.abandoned) continue;
    for (var j = 0; j < p.abandoned.length; j++) {
      var a = p.abandoned[j];
      if (a && a.site) emit([a.site, doc.run], { module: doc.module, pass: p.pass, attempt: a.attempt });
    }
  }
}
