function (newDoc, oldDoc, userCtx, secObj) {
  // Every gasp document has a type and an id that starts with "<prefix>:" for that type, and the
  // fencing rule: a write never lowers the lease epoch a document carries. A stale lease holder
  // that wakes up writes with its old epoch and is refused here.
  if (newDoc._deleted) return;
  var id = newDoc._id;
  if (typeof newDoc.type !== 'string' || newDoc.type === '') {
    throw({ forbidden: 'document ' + id + ' has no type' });
  }
  var prefixes = { module_catalogue: 'catalogue' };
  var prefix = (prefixes[newDoc.type] || newDoc.type) + ':';
  if (id.indexOf(prefix) !== 0) {
    throw({ forbidden: 'document ' + id + ' of type ' + newDoc.type + ' must have an id starting with ' + prefix });
  }
  if (newDoc.epoch !== undefined && typeof newDoc.epoch !== 'number') {
    throw({ forbidden: 'epoch must be a number' });
  }
  if (oldDoc && !oldDoc._deleted && typeof oldDoc.epoch === 'number') {
    if (typeof newDoc.epoch !== 'number') {
      throw({ forbidden: 'document ' + id + ' carries epoch ' + oldDoc.epoch + '; a write must carry an epoch too' });
    }
    if (newDoc.epoch < oldDoc.epoch) {
      throw({ forbidden: 'epoch ' + newDoc.epoch + ' is lower than current epoch ' + oldDoc.epoch });
    }
  }
}
