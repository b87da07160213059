function (doc) {
  // Passes counted by [status, module, software version]; group_level=2 gives the dashboard's status x module table.
  if (doc.type !== 'job' || !doc.passes) return;
  for (var i = 0; i < doc.passes.length; i++) {
    var p = doc.passes[i];
    emit([p.status, doc.module, p.version], 1);
  }
}
