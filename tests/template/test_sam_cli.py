"""The template passes the SAM CLI's checks and builds offline with Python 3.12 into a layer Lambda can import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from bench.build_size import artifact_sizes
from local.template import functions
from tests.template.cli import run


def test_sam_validate_accepts_the_template(sam, sam_env):
    # Given the repository's template
    # When the SAM CLI validates it against the SAM specification
    result = run([sam, "validate", "--template-file", "template.yaml"], env=sam_env)

    # Then it is valid
    assert result.returncode == 0, result.stdout
    assert "is a valid SAM Template" in result.stdout


def test_sam_validate_lint_reports_nothing(sam, sam_env):
    # Given the repository's template
    # When the SAM CLI lints it (cfn-lint on the transformed template)
    result = run([sam, "validate", "--lint", "--template-file", "template.yaml"], env=sam_env)

    # Then no rule matches
    assert result.returncode == 0, result.stdout
    assert "linting rule was matched" not in result.stdout


@pytest.fixture(scope="module")
def built(sam, sam_env, tmp_path_factory) -> Path:
    """`sam build` of the repository (no container) into a temporary directory: the artifacts' root.

    --no-cached: samconfig's `cached = true` would leave a dependency cache in the work tree's .aws-sam/.
    """
    work = tmp_path_factory.mktemp("sam-build")
    result = run(
        [sam, "build", "--no-cached", "--template-file", "template.yaml", "--build-dir", work / "build"],
        env=sam_env, timeout=900,
    )
    assert result.returncode == 0, result.stdout
    assert "Build Succeeded" in result.stdout, result.stdout
    return work / "build"


def test_sam_build_puts_the_paykit_package_where_lambda_imports_layers_from(built):
    # Given the built layer (Lambda puts a python layer's python/ folder on sys.path)
    layer = built / "PayKitLayer" / "python"

    # Then the paykit package is importable from it
    assert (layer / "paykit" / "__init__.py").is_file()
    assert (layer / "paykit" / "settings.py").is_file()


LAYER_PACKAGES = ["stripe", "pydantic", "pydantic_core", "jwt", "aws_lambda_powertools", "cryptography"]


@pytest.mark.parametrize("package", LAYER_PACKAGES)
def test_sam_build_installs_the_layer_requirements(built, package):
    # Given the built layer
    # Then each runtime requirement of layers/paykit/requirements.txt is installed beside the package
    assert (built / "PayKitLayer" / "python" / package / "__init__.py").is_file()


def test_sam_build_installs_native_wheels_for_arm64(built):
    # Given the built layer, built for arm64 without a container
    extensions = list((built / "PayKitLayer" / "python" / "pydantic_core").glob("_pydantic_core*.so"))

    # Then pydantic-core's compiled extension is the aarch64 one for CPython 3.12
    assert extensions, "pydantic_core has no compiled extension"
    assert all("cpython-312-aarch64-linux-gnu" in so.name for so in extensions), extensions


def test_sam_build_packages_each_function_with_its_handler(built):
    # Given the functions of the template
    for spec in functions().values():
        # When their artifacts are looked at
        module = built / spec.logical_id / f"{spec.handler_module}.py"

        # Then each holds its handler module, defining the handler name
        assert module.is_file(), f"{spec.logical_id}: {module.name} missing from the build"
        tree = ast.parse(module.read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))} | {
            target.id
            for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)
        }
        assert spec.handler_function in defined, f"{spec.logical_id}: no top-level {spec.handler_function}"


def test_sam_build_points_the_built_template_at_the_artifacts(built):
    # Given the template sam build writes beside the artifacts
    class _AnyTag(yaml.SafeLoader):
        pass

    _AnyTag.add_multi_constructor("!", lambda loader, suffix, node: None)
    built_template = yaml.load((built / "template.yaml").read_text(encoding="utf-8"), Loader=_AnyTag)  # noqa: S506

    # Then the layer and every function refer to their built folders
    resources = built_template["Resources"]
    assert resources["PayKitLayer"]["Properties"]["ContentUri"] == "PayKitLayer"
    for spec in functions().values():
        assert resources[spec.logical_id]["Properties"]["CodeUri"] == spec.logical_id


# Far below Lambda's limits: the layer's two largest dependencies (stripe ~17 MB, cryptography ~14 MB) already make
# 12% of the unzipped limit, so a quarter leaves room for growth and still catches a stray dependency tree.
SIZE_SHARE_OF_LIMIT = 0.25


def test_sam_build_artifacts_are_far_below_lambdas_size_limits(built):
    # Given the sizes of the built layer and of each function (bench/build_size.py measures the same way)
    sizes = artifact_sizes(built)

    # Then every function with the layer stays under a quarter of Lambda's 250 MB unzipped limit, and every zip
    # under a quarter of the 50 MB direct-upload limit (bytes counted, nothing timed)
    assert set(sizes) == {"PayKitLayer"} | {spec.logical_id for spec in functions().values()}
    for name, size in sizes.items():
        assert size["unzipped_ratio"] < SIZE_SHARE_OF_LIMIT, (name, size)
        assert size["zipped_ratio"] < SIZE_SHARE_OF_LIMIT, (name, size)
    # and the functions hold only their handler: everything shared is in the layer
    assert all(size["unzipped"] < 64 * 1024 for name, size in sizes.items() if name != "PayKitLayer"), sizes
