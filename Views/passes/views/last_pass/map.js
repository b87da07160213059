function (doc) {
  // The last pass of each (module, run): its number, status and software version.
  if (doc.type !== 'job' || !doc.passes || doc.passes.length === 0) return;
  var p = doc.passes[doc.passes.length - 1];
  emit([doc.module, doc.run], { pass: p.pass, status: p.status, version: p.version });
}
