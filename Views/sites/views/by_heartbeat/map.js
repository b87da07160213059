function (doc) {
  // Site documents by last heartbeat time: stale sites sort first.
  if (doc.type !== 'site') return;
  emit(doc.heartbeat || null, { name: doc.name, draining: doc.draining === true, backend: doc.backend });
}
