// The newest WebAssembly build of a trained model, downloaded and started in this page.
import { useQuery } from '@tanstack/react-query';

import { deploymentReadDeploymentBuildsOptions } from '../client/@tanstack/react-query.gen';
import { deploymentDownloadDeploymentBuild } from '../client/sdk.gen';
import type { DeploymentBuildPublic, ImpulsePublic } from '../client/types.gen';
import { loadWasmClassifier, type WasmClassifier } from './wasmClassifier';

export interface DeviceBuild {
  /** The newest WebAssembly build of the model, if any. */
  build: DeploymentBuildPublic | undefined;
  /** The newest WebAssembly build of another model, when the model itself has none. */
  outdated: DeploymentBuildPublic | undefined;
  classifier: WasmClassifier | undefined;
  isLoading: boolean;
  error: unknown;
}

/** The WebAssembly builds whose scores the server's can be compared with, newest first: the
 * server classifies with the int8 model, whose scores are not the float32 model's, so float32
 * builds are left out. Builds without a precision are older than float32 libraries: int8. */
export function comparableWasmBuilds(
  builds: ReadonlyArray<DeploymentBuildPublic>,
): DeploymentBuildPublic[] {
  return builds.filter((entry) => entry.target === 'wasm' && entry.precision !== 'float32');
}

export function useDeviceBuild(impulse: ImpulsePublic, modelId: number | undefined): DeviceBuild {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  const builds = useQuery(deploymentReadDeploymentBuildsOptions({ path }));
  // Newest first, as the API lists them.
  const wasmBuilds = comparableWasmBuilds(builds.data?.data ?? []);
  const build = wasmBuilds.find((entry) => entry.trained_model_id === modelId);
  const loaded = useQuery({
    queryKey: ['wasm-classifier', impulse.project_id, build?.id],
    enabled: build !== undefined,
    // A build never changes: one download and start per page visit is enough.
    staleTime: Infinity,
    queryFn: async () => {
      const { data } = await deploymentDownloadDeploymentBuild({
        path: { ...path, artifact_id: build!.id },
        parseAs: 'blob',
        throwOnError: true,
      });
      return loadWasmClassifier(new Uint8Array(await data.arrayBuffer()));
    },
  });
  return {
    build,
    outdated: build === undefined ? wasmBuilds[0] : undefined,
    classifier: loaded.data,
    isLoading: builds.isPending || (build !== undefined && loaded.isPending),
    error: builds.error ?? loaded.error,
  };
}
