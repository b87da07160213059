function (doc) {
  // Catalogued files by [module, run, pass, subrun, data type], with size and checksum.
  if (doc.type !== 'data' || !doc.files) return;
  for (var i = 0; i < doc.files.length; i++) {
    var f = doc.files[i];
    emit([doc.module, doc.run, doc.pass, f.subrun, doc.data_type], { name: f.name, size: f.size, adler32: f.adler32 });
  }
}
