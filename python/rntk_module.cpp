// The Python extension rntk._rntk: a thin layer over the C++ library. Sequences arrive as NumPy
// buffers in rntk's data convention (values, offsets, optional ends; docs/DESIGN.md) and are read in
// place; the Python package (python/rntk) turns lists, padded 2-D and aeon-style 3-D arrays into
// that. Computations release the GIL and run on a worker thread, so other Python threads keep
// running and Ctrl-C stops them (cooperatively, between tiles or fits).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "rntk/dynamics.hpp"
#include "rntk/error.hpp"
#include "rntk/finite_rnn.hpp"
#include "rntk/gram.hpp"
#include "rntk/io.hpp"
#include "rntk/kernels.hpp"
#include "rntk/model.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/stop.hpp"
#include "rntk/version.hpp"

namespace py = pybind11;

namespace {

using Values = py::array_t<double, py::array::c_style>;
using Indices = py::array_t<std::int64_t, py::array::c_style>;

// A set of sequences as the Python package hands it over: (values, offsets, ends or None).
rntk::SequenceSetView view_of(const Values& values, const Indices& offsets, const std::optional<Indices>& ends,
                              std::size_t count) {
  const std::size_t dim = values.ndim() == 2 ? static_cast<std::size_t>(values.shape(1)) : 1;
  return {values.data(), offsets.data(), count, dim, ends ? ends->data() : nullptr};
}

// Settings from keyword arguments: names of the registry; strings are parsed, booleans are 0 / 1.
// "custom_activation" = (lo, hi, phi samples, phi' samples) sets a sampled activation.
rntk::Settings settings_of(const py::dict& params) {
  rntk::Settings s;
  for (const auto& [key, value] : params) {
    const std::string name = py::str(key);
    if (name == "custom_activation") {
      const auto t = value.cast<std::tuple<double, double, std::vector<double>, std::vector<double>>>();
      s.kernel.custom = std::make_shared<rntk::SampledActivation>(std::get<0>(t), std::get<1>(t), std::get<2>(t),
                                                                  std::get<3>(t));
      s.kernel.activation = rntk::Activation::kCustom;
      continue;
    }
    if (py::isinstance<py::str>(value)) {
      rntk::set_param(s, name, value.cast<std::string>());
    } else if (py::isinstance<py::bool_>(value)) {
      rntk::set_param(s, name, value.cast<bool>() ? 1.0 : 0.0);
    } else {
      double number = 0.0;
      try {
        number = value.cast<double>();
      } catch (const py::cast_error&) {
        throw rntk::parameter_error("parameter " + name + " must be a number or a name, got " +
                                    std::string(py::str(value.get_type().attr("__name__"))));
      }
      rntk::set_param(s, name, number);
    }
  }
  return s;
}

// Runs `work` on a worker thread with the GIL released; the caller checks for Ctrl-C every 50 ms and
// asks the work to stop when it comes.
template <class Work>
auto interruptible(Work&& work) {
  using Result = decltype(work());
  std::optional<Result> result;
  std::exception_ptr error;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread worker([&] {
      try {
        result.emplace(work());
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
      finished.notify_one();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) {
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        if (!interrupted && PyErr_CheckSignals() != 0) {
          interrupted = true;
          rntk::request_stop();
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  rntk::clear_stop_request();
  if (interrupted) throw py::error_already_set();  // the KeyboardInterrupt PyErr_CheckSignals raised
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// A Matrix handed to NumPy without a copy: the array owns it.
py::array_t<double> to_numpy(rntk::Matrix&& m) {
  auto* owned = new rntk::Matrix(std::move(m));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<rntk::Matrix*>(p); });
  return py::array_t<double>({owned->rows(), owned->cols()}, owned->data(), free_when_done);
}

rntk::Matrix matrix_of(const Values& a) {
  if (a.ndim() != 2) throw rntk::input_error("expected a 2-D array");
  rntk::Matrix m(static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1)));
  std::copy(a.data(), a.data() + a.size(), m.data());
  return m;
}

Eigen::MatrixXd eigen_of(const Values& a) {
  const auto rows = a.shape(0), cols = a.ndim() == 2 ? a.shape(1) : 1;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data(), rows, cols);
}

py::array_t<double> numpy_of(const Eigen::MatrixXd& m) {
  py::array_t<double> out({m.rows(), m.cols()});
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(out.mutable_data(), m.rows(), m.cols()) = m;
  return out;
}

py::array_t<double> numpy_of(const Eigen::VectorXd& v) {
  py::array_t<double> out(v.size());
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

py::list params_table() {
  py::list out;
  for (const rntk::ParamSpec& s : rntk::param_specs()) {
    py::dict d;
    d["name"] = s.name;
    d["group"] = s.group == rntk::ParamSpec::Group::kKernel  ? "kernel"
                 : s.group == rntk::ParamSpec::Group::kModel ? "model"
                                                              : "engine";
    d["type"] = s.type == rntk::ParamSpec::Type::kReal      ? "float"
                : s.type == rntk::ParamSpec::Type::kInteger ? "int"
                : s.type == rntk::ParamSpec::Type::kBool    ? "bool"
                                                            : "str";
    if (s.type == rntk::ParamSpec::Type::kChoice) {
      d["default"] = s.format(s.default_value);
    } else if (s.type == rntk::ParamSpec::Type::kBool) {
      d["default"] = s.default_value != 0.0;
    } else if (s.type == rntk::ParamSpec::Type::kInteger) {
      d["default"] = static_cast<long long>(s.default_value);
    } else {
      d["default"] = s.default_value;
    }
    d["allowed"] = s.range_text();
    d["help"] = s.help;
    out.append(d);
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_rntk, m) {
  m.doc() = "rntk's C++ engine; use the rntk package, not this module.";
  m.attr("__version__") = RNTK_VERSION;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rntk::Error& e) {
      switch (e.kind()) {
        case rntk::Error::Kind::kIo:
          PyErr_SetString(PyExc_OSError, e.what());
          return;
        case rntk::Error::Kind::kNumeric:
          PyErr_SetString(PyExc_FloatingPointError, e.what());
          return;
        case rntk::Error::Kind::kInterrupted:
          PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
          return;
        default:
          PyErr_SetString(PyExc_ValueError, e.what());
      }
    }
  });

  m.def("params", &params_table, "Every parameter: name, group, type, default, allowed values, help.");

  m.def(
      "gram",
      [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx,
         const std::optional<Values>& yv, const std::optional<Indices>& yo, const std::optional<Indices>& ye,
         std::size_t ny, const std::string& kind, bool all_depths, const py::dict& params) {
        const rntk::Settings settings = settings_of(params);
        const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
        std::optional<rntk::SequenceSetView> y;
        if (yv) y = view_of(*yv, *yo, ye, ny);
        const rntk::KernelSelection selection{kind != "nngp", kind != "ntk", all_depths};
        rntk::GramResult g = interruptible([&] {
          return y ? rntk::gram(x, *y, settings, selection) : rntk::gram(x, settings, selection);
        });
        py::list ntk, nngp;
        for (rntk::Matrix& k : g.ntk_shallower) ntk.append(to_numpy(std::move(k)));
        for (rntk::Matrix& k : g.nngp_shallower) nngp.append(to_numpy(std::move(k)));
        if (selection.ntk) ntk.append(to_numpy(std::move(g.ntk)));
        if (selection.nngp) nngp.append(to_numpy(std::move(g.nngp)));
        return py::make_tuple(ntk, nngp);
      },
      py::arg("values"), py::arg("offsets"), py::arg("ends"), py::arg("count"), py::arg("values_y"),
      py::arg("offsets_y"), py::arg("ends_y"), py::arg("count_y"), py::arg("kind"), py::arg("all_depths"),
      py::arg("params"));

  m.def(
      "model_kernel",
      [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx, const Values& yv,
         const Indices& yo, const std::optional<Indices>& ye, std::size_t ny, std::size_t length,
         const py::dict& params) {
        const rntk::Settings s = settings_of(params);
        const rntk::SequenceSetView x = view_of(xv, xo, xe, nx), y = view_of(yv, yo, ye, ny);
        x.validate("sequences to transform");
        y.validate("training data");
        rntk::Matrix k = interruptible([&] {
          const rntk::SequenceSet px = rntk::prepare(x, s.model), py_ = rntk::prepare(y, s.model);
          const rntk::SequenceSetView pyv = py_.view();
          return rntk::kernel_matrices({s}, px.view(), &pyv, rntk::prepared_length(length, s.model))[0];
        });
        return to_numpy(std::move(k));
      },
      "K(X, Y) of any kernel type as a model computes it: preprocessing, baselines flattened to "
      "the prepared length of `length` raw steps, cosine normalisation.");

  m.def(
      "empirical_kernels",
      [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx, std::size_t width,
         int seeds, std::uint64_t first_seed, const py::dict& params) {
        const rntk::Settings s = settings_of(params);
        const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
        rntk::EmpiricalKernels k = interruptible([&] {
          return rntk::mean_empirical_kernels(s.kernel, x, x, width, seeds, first_seed, s.engine.threads);
        });
        return py::make_tuple(to_numpy(std::move(k.ntk)), to_numpy(std::move(k.nngp)));
      });

  m.def(
      "gradient_flow",
      [](const Values& theta_train, const Values& theta_test, const Values& targets, double eta,
         const std::vector<double>& times) {
        const auto flow = rntk::gradient_flow_mean(matrix_of(theta_train), matrix_of(theta_test), eigen_of(targets), eta, times);
        py::list out;
        for (const Eigen::MatrixXd& m : flow) out.append(numpy_of(m));
        return out;
      },
      "Mean predictions of the infinitely wide network trained by gradient flow (dynamics.hpp).");

  m.def(
      "gp_posterior",
      [](const Values& k_train, const Values& k_test, const std::vector<double>& diagonal, const Values& targets,
         double noise) {
        const rntk::GpPosterior p =
            rntk::gp_posterior(matrix_of(k_train), matrix_of(k_test), diagonal, eigen_of(targets), noise);
        return py::make_tuple(numpy_of(p.mean), numpy_of(p.variance));
      },
      "NNGP posterior mean and variance (dynamics.hpp).");

  py::class_<rntk::FiniteRNN>(m, "FiniteRNN")
      .def(py::init([](std::size_t input_dim, std::size_t width, std::uint64_t seed, const py::dict& params) {
             return rntk::FiniteRNN(settings_of(params).kernel, input_dim, width, seed);
           }),
           py::arg("input_dim"), py::arg("width"), py::arg("seed"), py::arg("params"))
      .def("outputs",
           [](const rntk::FiniteRNN& net, const Values& xv, const Indices& xo, const std::optional<Indices>& xe,
              std::size_t nx) {
             const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
             std::vector<double> f(nx);
             for (std::size_t i = 0; i < nx; ++i) f[i] = net.output(x[i]);
             return f;
           })
      .def("train",
           [](rntk::FiniteRNN& net, const Values& xv, const Indices& xo, const std::optional<Indices>& xe,
              std::size_t nx, const std::vector<double>& y, double eta, int steps) {
             const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
             const Eigen::VectorXd target = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
             const auto history = interruptible([&] { return net.train(x, target, eta, steps); });
             py::list out;
             for (const Eigen::VectorXd& f : history) out.append(numpy_of(f));
             return out;
           });

  m.def("read_sequences", [](const std::string& path, bool csv_labels, bool interpolate) {
    rntk::Dataset d = rntk::read_sequences(path, {rntk::SequenceFormat::kAuto, csv_labels, interpolate});
    const rntk::SequenceSet& s = d.sequences;
    Values values({s.values().size() / s.dim(), s.dim()});
    std::copy(s.values().begin(), s.values().end(), values.mutable_data());
    Indices offsets(static_cast<py::ssize_t>(s.offsets().size()));
    std::copy(s.offsets().begin(), s.offsets().end(), offsets.mutable_data());
    return py::make_tuple(values, offsets, d.labels);
  });

  m.def(
      "validate",
      [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx, const std::string& what) {
        view_of(xv, xo, xe, nx).validate(what.c_str());
      },
      "Raises ValueError for an empty sequence or a value that is not finite; `what` names the set.");

  m.def(
      "self_kernels",
      [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx, bool ntk,
         const py::dict& params) {
        const rntk::Settings settings = settings_of(params);
        const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
        return interruptible([&] { return rntk::self_kernels(x, settings, ntk); });
      },
      "K(x, x) of every sequence (NTK or NNGP) as a list, as gram computes its diagonal, on the engine's "
      "threads.");

  m.def(
      "validate_settings", [](const py::dict& params) { rntk::validate(settings_of(params)); },
      "Raises ValueError for a parameter out of its range or parameters that do not fit together.");

  m.def("first_value_address", [](const Values& values) { return reinterpret_cast<std::uintptr_t>(values.data()); },
        "Where the engine reads the values of a set (tests check that no copy was made).");

  py::class_<rntk::Model>(m, "Model")
      .def_static(
          "fit",
          [](const Values& xv, const Indices& xo, const std::optional<Indices>& xe, std::size_t nx,
             const std::vector<std::string>& labels, const py::dict& params) {
            const rntk::Settings s = settings_of(params);
            const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
            return interruptible([&] {
              rntk::Dataset train;
              train.sequences = rntk::copy(x);
              train.labels = labels;
              train.source = "training data";
              return rntk::Model::fit(train, s);
            });
          })
      .def("predict",
           [](const rntk::Model& model, const Values& xv, const Indices& xo, const std::optional<Indices>& xe,
              std::size_t nx) {
             const rntk::SequenceSetView x = view_of(xv, xo, xe, nx);
             rntk::Prediction p = interruptible([&] { return model.predict(x); });
             return py::make_tuple(p.labels, p.values);
           })
      .def_property_readonly("support_size", &rntk::Model::support_size)
      .def("to_json",
           [](const rntk::Model& model) {
             std::ostringstream out;
             model.save(out);
             return out.str();
           })
      .def_static("from_json",
                  [](const std::string& text) {
                    std::istringstream in(text);
                    return rntk::Model::load(in, "model");
                  })
      .def(py::pickle(
          [](const rntk::Model& model) {
            std::ostringstream out;
            model.save(out);
            return py::make_tuple(out.str());
          },
          [](const py::tuple& state) {
            std::istringstream in(state[0].cast<std::string>());
            return rntk::Model::load(in, "pickled model");
          }));
}
