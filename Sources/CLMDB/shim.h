#ifndef DOSSIERLEDGER_CLMDB_SHIM_H
#define DOSSIERLEDGER_CLMDB_SHIM_H
#include <lmdb.h>
#endif
