"""The benchmarks' OpenBLAS environment and the description of it they print."""
import threadpoolctl

from bench import blas_setup
import train  # loads NumPy, and with it OpenBLAS


def test_the_default_environment_gives_train_pys_thread_count_unless_one_is_set(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert blas_setup.environment()["OPENBLAS_NUM_THREADS"] == str(train.BLAS_THREADS)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert blas_setup.environment()["OPENBLAS_NUM_THREADS"] == "3"  # as train.py: a set value wins
    assert blas_setup.environment(threads=2)["OPENBLAS_NUM_THREADS"] == "2"  # an explicit count wins over both


def test_own_kernel_choice_drops_both_machine_settings_and_keeps_the_rest(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    kept = blas_setup.environment()
    assert kept["OPENBLAS_CORETYPE"] == "Haswell" and kept["OPENBLAS_L2_SIZE"] == "512"
    own = blas_setup.environment(own_kernel_choice=True)
    assert "OPENBLAS_CORETYPE" not in own and "OPENBLAS_L2_SIZE" not in own
    assert own["PATH"] == kept["PATH"]
    assert "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512" in blas_setup.kernel_settings_note()


def test_no_note_when_the_environment_leaves_the_kernels_to_openblas(monkeypatch):
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert blas_setup.kernel_settings_note() == ""


def test_the_description_names_the_kernels_and_threads_numpy_runs_with():
    pool = next(pool for pool in threadpoolctl.threadpool_info()
                if pool["internal_api"] == "openblas" and "numpy" in pool["filepath"])
    description = blas_setup.describe_openblas()
    assert f"{pool['architecture']} kernels" in description
    assert description.endswith(f"{pool['num_threads']} thread" + ("s" if pool["num_threads"] != 1 else ""))
