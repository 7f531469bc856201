// A guard in front of TorchSharp's native bridge (libLibTorchSharp.so).
//
// TorchSharp 0.107's bridge wraps almost every libtorch call in try/catch and reports errors through
// THSTorch_get_and_reset_last_err, which the managed side turns into an ExternalException. A few entry
// points call libtorch without that handler (THSTensor_matmul, THSAutograd_grad, cummax, set_num_threads,
// the Scalar conversions, ...): a libtorch error there escapes into .NET's native frames and
// std::terminate ends the process -- a notebook kernel with everything a learner had computed.
//
// This library exports guarded versions of exactly those functions. It links the bridge as a dependency,
// so a symbol it does not export resolves to the bridge's own (dlsym on this library's handle searches its
// dependencies), and it exports THSTorch_get_and_reset_last_err so the managed side reads this guard's
// error first. The list was made from TorchSharp 0.107.0's native sources: the exported functions whose
// body has no CATCH and whose managed caller checks for errors. No libtorch header is needed: every handle
// is an opaque pointer, and c10::Error derives from std::exception.
//
// Built at run time by AeLab.Runtime.TorchGuard with the system's C++ compiler (never from the NuGet cache).
#include <dlfcn.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>

typedef void* Handle;  // every TorchSharp handle (Tensor, Scalar, NNModule, ...) is an opaque pointer
typedef void* (*Allocator)(size_t length);

static thread_local char* guard_last_err = nullptr;

static void* bridge()
{
    static void* handle = dlopen("libLibTorchSharp.so", RTLD_NOW | RTLD_NOLOAD);
    return handle;
}

static void* original(const char* name)
{
    void* h = bridge();
    return h ? dlsym(h, name) : nullptr;
}

static void record(const char* what)
{
    free(guard_last_err);
    guard_last_err = strdup(what);
}

static void missing(const char* name)
{
    free(guard_last_err);
    const char* text = "AeLab's native guard could not find %s in libLibTorchSharp.so";
    size_t n = strlen(text) + strlen(name);
    guard_last_err = (char*)malloc(n);
    if (guard_last_err) snprintf(guard_last_err, n, text, name);
}

// Same contract as the bridge's: the caller owns nothing; the message lives until the next error.
extern "C" const char* THSTorch_get_and_reset_last_err()
{
    if (guard_last_err) {
        char* mine = guard_last_err;
        guard_last_err = nullptr;
        return mine;  // leaked like the bridge's strdup'ed messages: one string per error
    }
    static auto orig = (const char* (*)())original("THSTorch_get_and_reset_last_err");
    return orig ? orig() : nullptr;
}

// Reports whether the guard is active; the managed loader checks it before handing this library out.
extern "C" int32_t AeLabGuard_version() { return bridge() ? 1 : 0; }

// A guarded function: calls the original inside try/catch; an error is recorded for the managed
// CheckForErrors and a zero value is returned, which the managed caller treats as failure.
#define GUARD(ret, name, params, args)                                                     \
    extern "C" ret name params                                                             \
    {                                                                                      \
        static auto orig = (ret(*) params)original(#name);                                 \
        if (!orig) { missing(#name); return ret{}; }                                       \
        try { return orig args; }                                                          \
        catch (const std::exception& e) { record(e.what()); }                       \
        catch (...) { record("unknown C++ exception in " #name); }                  \
        return ret{};                                                                      \
    }

#define GUARD_VOID(name, params, args)                                                     \
    extern "C" void name params                                                            \
    {                                                                                      \
        static auto orig = (void(*) params)original(#name);                                \
        if (!orig) { missing(#name); return; }                                             \
        try { orig args; }                                                                 \
        catch (const std::exception& e) { record(e.what()); }                       \
        catch (...) { record("unknown C++ exception in " #name); }                   \
    }

GUARD_VOID(THSAutograd_grad, (void* outputs, int64_t oLength, void* inputs, int64_t iLength, void* grad_outs, int64_t gLength, bool retain_graph, bool create_graph, bool allow_unused, Allocator allocator), (outputs, oLength, inputs, iLength, grad_outs, gLength, retain_graph, create_graph, allow_unused, allocator))
GUARD(Handle, THSGenerator_manual_seed, (int64_t seed), (seed))
GUARD_VOID(THSGenerator_set_rng_state, (void* gen, void* tensor), (gen, tensor))
GUARD_VOID(THSJIT_Module_eval, (void* module), (module))
GUARD(bool, THSJIT_Module_is_training, (void* module), (module))
GUARD_VOID(THSJIT_Module_named_attributes, (void* module, bool recurse, Allocator allocator, Allocator allocator2), (module, recurse, allocator, allocator2))
GUARD_VOID(THSJIT_Module_named_buffers, (void* module, Allocator allocator, Allocator allocator2), (module, allocator, allocator2))
GUARD_VOID(THSJIT_Module_named_children, (void* module, Allocator allocator, Allocator allocator2), (module, allocator, allocator2))
GUARD_VOID(THSJIT_Module_named_modules, (void* module, Allocator allocator, Allocator allocator2), (module, allocator, allocator2))
GUARD_VOID(THSJIT_Module_named_parameters, (void* module, Allocator allocator, Allocator allocator2), (module, allocator, allocator2))
GUARD_VOID(THSJIT_Module_to_device, (void* module, int64_t device, int64_t index), (module, device, index))
GUARD_VOID(THSJIT_Module_to_device_dtype, (void* module, int8_t dtype, int64_t device, int64_t index), (module, dtype, device, index))
GUARD_VOID(THSJIT_Module_to_dtype, (void* module, int8_t dtype), (module, dtype))
GUARD_VOID(THSJIT_Module_train, (void* module, bool on), (module, on))
GUARD_VOID(THSJIT_Module_zero_grad, (void* module, bool set_to_none), (module, set_to_none))
GUARD_VOID(THSNN_EmbeddingBag_set_weight, (void* module, void* weights), (module, weights))
GUARD(Handle, THSNN_EmbeddingBag_weight, (void* module), (module))
GUARD_VOID(THSNN_Embedding_set_weight, (void* module, void* weights), (module, weights))
GUARD(Handle, THSNN_Embedding_weight, (void* module), (module))
GUARD(Handle, THSNN_GRUCell_bias_hh, (void* module), (module))
GUARD(Handle, THSNN_GRUCell_bias_ih, (void* module), (module))
GUARD_VOID(THSNN_GRUCell_set_bias_hh, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_GRUCell_set_bias_ih, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_GRUCell_set_weight_hh, (void* module, void* weight), (module, weight))
GUARD_VOID(THSNN_GRUCell_set_weight_ih, (void* module, void* weight), (module, weight))
GUARD(Handle, THSNN_GRUCell_weight_hh, (void* module), (module))
GUARD(Handle, THSNN_GRUCell_weight_ih, (void* module), (module))
GUARD(Handle, THSNN_LBFGS_ctor, (void* parameters, int32_t length, double learning_rate, int64_t max_iter, int64_t max_eval, double tolerange_grad, double tolerance_change, int64_t history_size), (parameters, length, learning_rate, max_iter, max_eval, tolerange_grad, tolerance_change, history_size))
GUARD_VOID(THSNN_LBFGS_set_lr, (void* optimizer, double lr), (optimizer, lr))
GUARD(Handle, THSNN_LSTMCell_bias_hh, (void* module), (module))
GUARD(Handle, THSNN_LSTMCell_bias_ih, (void* module), (module))
GUARD_VOID(THSNN_LSTMCell_set_bias_hh, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_LSTMCell_set_bias_ih, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_LSTMCell_set_weight_hh, (void* module, void* weight), (module, weight))
GUARD_VOID(THSNN_LSTMCell_set_weight_ih, (void* module, void* weight), (module, weight))
GUARD(Handle, THSNN_LSTMCell_weight_hh, (void* module), (module))
GUARD(Handle, THSNN_LSTMCell_weight_ih, (void* module), (module))
GUARD_VOID(THSNN_Module_get_named_buffers, (void* module, Allocator allocator1, Allocator allocator2), (module, allocator1, allocator2))
GUARD_VOID(THSNN_Module_get_named_parameters, (void* module, Allocator allocator1, Allocator allocator2), (module, allocator1, allocator2))
GUARD_VOID(THSNN_Module_get_parameters, (void* module, Allocator allocator1, bool recurse), (module, allocator1, recurse))
GUARD(bool, THSNN_Module_is_training, (void* module), (module))
GUARD(Handle, THSNN_Module_name, (void* module), (module))
GUARD_VOID(THSNN_Module_to_device, (void* module, int64_t device, int64_t index, bool non_blocking), (module, device, index, non_blocking))
GUARD_VOID(THSNN_Module_to_device_dtype, (void* module, int8_t dtype, int64_t device, int64_t index, bool non_blocking), (module, dtype, device, index, non_blocking))
GUARD_VOID(THSNN_Module_to_dtype, (void* module, int8_t dtype, bool non_blocking), (module, dtype, non_blocking))
GUARD_VOID(THSNN_Module_train, (void* module, bool on), (module, on))
GUARD_VOID(THSNN_Module_zero_grad, (void* module, bool set_to_none), (module, set_to_none))
GUARD_VOID(THSNN_Optimizer_getParameters, (void* optimizer, Allocator allocator), (optimizer, allocator))
GUARD_VOID(THSNN_Optimizer_zero_grad, (void* optimizer), (optimizer))
GUARD(Handle, THSNN_RNNCell_bias_hh, (void* module), (module))
GUARD(Handle, THSNN_RNNCell_bias_ih, (void* module), (module))
GUARD_VOID(THSNN_RNNCell_set_bias_hh, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_RNNCell_set_bias_ih, (void* module, void* bias), (module, bias))
GUARD_VOID(THSNN_RNNCell_set_weight_hh, (void* module, void* weight), (module, weight))
GUARD_VOID(THSNN_RNNCell_set_weight_ih, (void* module, void* weight), (module, weight))
GUARD(Handle, THSNN_RNNCell_weight_hh, (void* module), (module))
GUARD(Handle, THSNN_RNNCell_weight_ih, (void* module), (module))
GUARD(Handle, THSNN_RNN_bias_hh, (void* module, int64_t idx), (module, idx))
GUARD(Handle, THSNN_RNN_bias_ih, (void* module, int64_t idx), (module, idx))
GUARD_VOID(THSNN_RNN_set_bias_hh, (void* module, void* bias, int64_t idx), (module, bias, idx))
GUARD_VOID(THSNN_RNN_set_bias_ih, (void* module, void* bias, int64_t idx), (module, bias, idx))
GUARD_VOID(THSNN_RNN_set_weight_hh, (void* module, void* weight, int64_t idx), (module, weight, idx))
GUARD_VOID(THSNN_RNN_set_weight_ih, (void* module, void* weight, int64_t idx), (module, weight, idx))
GUARD(Handle, THSNN_RNN_weight_hh, (void* module, int64_t idx), (module, idx))
GUARD(Handle, THSNN_RNN_weight_ih, (void* module, int64_t idx), (module, idx))
GUARD(Handle, THSStorage_data_ptr, (void* tensor), (tensor))
GUARD(size_t, THSStorage_nbytes, (void* tensor), (tensor))
GUARD_VOID(THSTensor_cummax, (void* tensor, Allocator allocator, int64_t dim), (tensor, allocator, dim))
GUARD_VOID(THSTensor_cummin, (void* tensor, Allocator allocator, int64_t dim), (tensor, allocator, dim))
GUARD(Handle, THSTensor_matmul, (void* left, void* right), (left, right))
GUARD_VOID(THSTensor_names, (void* tensor, Allocator allocator), (tensor, allocator))
GUARD(int64_t, THSTensor_storage_offset, (void* tensor), (tensor))
GUARD_VOID(THSTorch_scalar_to_complex32, (void* value, void* real, void* imaginary), (value, real, imaginary))
GUARD_VOID(THSTorch_scalar_to_complex64, (void* value, void* real, void* imaginary), (value, real, imaginary))
GUARD_VOID(THSTorch_set_num_interop_threads, (int32_t threads), (threads))
GUARD_VOID(THSTorch_set_num_threads, (int32_t threads), (threads))

// The Scalar conversions behind C#'s casts ((float)tensor, (int)tensor, ...): their managed callers never
// check for errors, so an error cannot become an exception. libtorch refuses a conversion that overflows;
// these give what C# gives for the same cast of the value instead: (float)1e300 is infinity, (int)3e9L wraps
// around as unchecked C# does, a double beyond a whole type's range saturates as .NET does on x64.
static double as_double(void* value)
{
    static auto to_double = (double (*)(void*))original("THSTorch_scalar_to_float64");
    static auto to_complex = (void (*)(void*, double*, double*))original("THSTorch_scalar_to_complex64");
    try { return to_double(value); } catch (...) {}
    double re = NAN, im = 0;
    try { to_complex(value, &re, &im); } catch (...) {}
    return re;  // a complex value converts to its real part, as C# does for System.Numerics.Complex
}

template <typename T> static T saturate(double v)
{
    if (std::isnan(v)) return 0;
    if (v <= (double)std::numeric_limits<T>::min()) return std::numeric_limits<T>::min();
    if (v >= (double)std::numeric_limits<T>::max()) return std::numeric_limits<T>::max();
    return (T)v;
}

template <typename T> static T as_integer(void* value)
{
    static auto to_long = (int64_t (*)(void*))original("THSTorch_scalar_to_int64");
    try { return (T)to_long(value); } catch (...) {}  // wraps around like unchecked C#
    return saturate<T>(as_double(value));
}

#define CONVERT(ret, name, fallback)                                                       \
    extern "C" ret name(void* value)                                                       \
    {                                                                                      \
        static auto orig = (ret (*)(void*))original(#name);                                \
        try { return orig(value); } catch (...) {}                                         \
        return fallback;                                                                   \
    }

CONVERT(double, THSTorch_scalar_to_float64, as_double(value))
CONVERT(float, THSTorch_scalar_to_float32, (float)as_double(value))
CONVERT(int64_t, THSTorch_scalar_to_int64, saturate<int64_t>(as_double(value)))
CONVERT(int32_t, THSTorch_scalar_to_int32, as_integer<int32_t>(value))
CONVERT(int16_t, THSTorch_scalar_to_int16, as_integer<int16_t>(value))
CONVERT(int8_t, THSTorch_scalar_to_int8, as_integer<int8_t>(value))
CONVERT(uint8_t, THSTorch_scalar_to_uint8, as_integer<uint8_t>(value))
CONVERT(bool, THSTorch_scalar_to_bool, as_double(value) != 0)

extern "C" void THSTorch_scalar_to_float16(void* value, uint16_t* res)
{
    static auto orig = (void (*)(void*, uint16_t*))original("THSTorch_scalar_to_float16");
    try { orig(value, res); return; } catch (...) {}
    _Float16 h = (_Float16)as_double(value);  // out of range: infinity, as (Half)x in C#
    memcpy(res, &h, sizeof h);
}

extern "C" void THSTorch_scalar_to_bfloat16(void* value, uint16_t* res)
{
    static auto orig = (void (*)(void*, uint16_t*))original("THSTorch_scalar_to_bfloat16");
    try { orig(value, res); return; } catch (...) {}
    float f = (float)as_double(value);
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if (std::isnan(f)) { *res = 0x7FC0; return; }
    bits += 0x7FFF + ((bits >> 16) & 1);  // round to nearest even, as c10::BFloat16 does
    *res = (uint16_t)(bits >> 16);
}
