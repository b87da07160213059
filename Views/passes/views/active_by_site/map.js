function (doc) {
  // Passes a site is running (submitted or running), by [site, status]: with group_level=1 or 2,
  // how many each site has in its batch system (what `gasp status` checks are being followed).
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    if (p.site && (p.status === 'submitted' || p.status === 'running')) emit([p.site, p.status], 1);
  }
}
