"""NumPy's allocator hooks (PyDataMem_Handler, NEP 49) over the cache of
large array buffers in csrc/ck_memory.h, for ckeras' training and
inference steps (ckeras.kernels.buffers)."""
cimport numpy as cnp
from cpython.object cimport PyObject
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_New
from libc.stdint cimport uint8_t
from libc.string cimport memset, strncpy

cnp.import_array()

cdef extern from "numpy/arrayobject.h":
    ctypedef struct PyDataMemAllocator:
        void *ctx
        void *(*malloc)(void *ctx, size_t size) noexcept nogil
        void *(*calloc)(void *ctx, size_t nelem, size_t elsize) noexcept nogil
        void *(*realloc)(void *ctx, void *ptr, size_t size) noexcept nogil
        void (*free)(void *ctx, void *ptr, size_t size) noexcept nogil
    ctypedef struct PyDataMem_Handler:
        char name[127]
        uint8_t version
        PyDataMemAllocator allocator
    object PyDataMem_SetHandler(object handler)
    PyObject *PyDataMem_DefaultHandler

cdef extern from "ck_memory.h" nogil:
    size_t CK_MEMORY_MIN_BYTES
    void *ck_memory_malloc(size_t size)
    void *ck_memory_calloc(size_t nelem, size_t elsize)
    void ck_memory_free(void *ptr, size_t size)
    void ck_memory_cached(size_t *nbytes, size_t *blocks)
    void ck_memory_release()

# Small blocks go to NumPy's default allocator (its own small-block cache
# is faster than malloc there); large ones to the cache. Both end in
# malloc'd memory, so realloc is the default one, whatever the size.
cdef PyDataMemAllocator *_default = &(<PyDataMem_Handler *> PyCapsule_GetPointer(
    <object> PyDataMem_DefaultHandler, "mem_handler")).allocator


cdef void *_malloc(void *ctx, size_t size) noexcept nogil:
    if size < CK_MEMORY_MIN_BYTES:
        return _default.malloc(_default.ctx, size)
    return ck_memory_malloc(size)


cdef void *_calloc(void *ctx, size_t nelem, size_t elsize) noexcept nogil:
    # the size test of _free, so that each block goes back where it came from
    if elsize == 0 or nelem > (<size_t> -1) // elsize \
            or nelem * elsize < CK_MEMORY_MIN_BYTES:
        return _default.calloc(_default.ctx, nelem, elsize)
    return ck_memory_calloc(nelem, elsize)


cdef void *_realloc(void *ctx, void *ptr, size_t size) noexcept nogil:
    return _default.realloc(_default.ctx, ptr, size)


cdef void _free(void *ctx, void *ptr, size_t size) noexcept nogil:
    if size < CK_MEMORY_MIN_BYTES:
        _default.free(_default.ctx, ptr, size)
    else:
        ck_memory_free(ptr, size)


# Arrays keep a reference to the capsule of the handler that allocated them
# and free through it, so the struct lives as long as the module.
cdef PyDataMem_Handler _handler
memset(&_handler, 0, sizeof(_handler))
strncpy(_handler.name, b"ckeras_buffer_cache", 126)
_handler.version = 1
_handler.allocator.ctx = NULL
_handler.allocator.malloc = _malloc
_handler.allocator.calloc = _calloc
_handler.allocator.realloc = _realloc
_handler.allocator.free = _free

HANDLER = PyCapsule_New(&_handler, "mem_handler", NULL)


def set_handler(handler):
    """Makes `handler` (a "mem_handler" capsule, e.g. HANDLER) NumPy's
    allocator in the current context; returns the previous one."""
    return PyDataMem_SetHandler(handler)


def cached():
    """(bytes, blocks) of the freed buffers the cache holds."""
    cdef size_t nbytes, blocks
    ck_memory_cached(&nbytes, &blocks)
    return nbytes, blocks


def release():
    """Frees every buffer the cache holds."""
    ck_memory_release()
