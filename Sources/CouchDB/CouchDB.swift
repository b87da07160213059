// CouchDB client
