package sweep

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// K8sOptions override the spec's kubernetes section.
type K8sOptions struct {
	Image     string
	PVC       string
	Namespace string
	Parallel  int
}

// The manifest is built from these minimal mirrors of the batch/v1 and
// core/v1 types (field names as the API spells them); a unit test decodes
// the output strictly into k8s.io/api's own types.
type (
	k8sJob struct {
		APIVersion string     `json:"apiVersion"`
		Kind       string     `json:"kind"`
		Metadata   k8sMeta    `json:"metadata"`
		Spec       k8sJobSpec `json:"spec"`
	}
	k8sMeta struct {
		Name      string            `json:"name,omitempty"`
		Namespace string            `json:"namespace,omitempty"`
		Labels    map[string]string `json:"labels,omitempty"`
	}
	k8sJobSpec struct {
		CompletionMode string      `json:"completionMode"`
		Completions    int         `json:"completions"`
		Parallelism    int         `json:"parallelism"`
		BackoffLimit   int         `json:"backoffLimit"`
		Template       k8sTemplate `json:"template"`
	}
	k8sTemplate struct {
		Metadata k8sMeta    `json:"metadata"`
		Spec     k8sPodSpec `json:"spec"`
	}
	k8sPodSpec struct {
		RestartPolicy string         `json:"restartPolicy"`
		Containers    []k8sContainer `json:"containers"`
		Volumes       []k8sVolume    `json:"volumes"`
	}
	k8sContainer struct {
		Name         string           `json:"name"`
		Image        string           `json:"image"`
		Command      []string         `json:"command"`
		Env          []k8sEnv         `json:"env"`
		Resources    k8sResources     `json:"resources"`
		VolumeMounts []k8sVolumeMount `json:"volumeMounts"`
	}
	k8sEnv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	k8sResources struct {
		Requests map[string]string `json:"requests,omitempty"`
		Limits   map[string]string `json:"limits,omitempty"`
	}
	k8sVolumeMount struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
		SubPath   string `json:"subPath,omitempty"`
	}
	k8sVolume struct {
		Name                  string   `json:"name"`
		PersistentVolumeClaim k8sClaim `json:"persistentVolumeClaim"`
	}
	k8sClaim struct {
		ClaimName string `json:"claimName"`
	}
)

// K8sQuantity turns a Slurm memory size (4G, 500M, 2048 = MiB) into a
// Kubernetes quantity (4Gi, 500Mi, 2048Mi).
func K8sQuantity(mem string) (string, error) {
	m := memoryRE.FindStringSubmatch(mem)
	if m == nil {
		return "", specErr("memory %q must be a whole number with an optional unit K, M, G or T", mem)
	}
	unit := m[2]
	if unit == "" {
		unit = "M"
	}
	return m[1] + unit + "i", nil
}

// K8sManifest returns the Indexed Job (YAML) that runs every entry of p:
// completion index I runs `rbmscope sweep worker --plan MOUNT/plan.json`,
// which reads $JOB_COMPLETION_INDEX. The sweep directory must be the root
// (or sub_path) of the PersistentVolumeClaim, mounted at kubernetes.mount.
func K8sManifest(p *Plan, opts K8sOptions) ([]byte, error) {
	k := p.Spec.K8s
	image, pvc, ns := first(opts.Image, k.Image), first(opts.PVC, k.PVC), first(opts.Namespace, k.Namespace)
	switch {
	case image == "":
		return nil, specErr("no container image: set kubernetes.image in the spec or give --image (an image with rbmscope on its PATH)")
	case pvc == "":
		return nil, specErr("no volume: set kubernetes.pvc in the spec or give --pvc (a PersistentVolumeClaim holding the sweep directory, ReadWriteMany for parallelism > 1)")
	case !dnsRE.MatchString(pvc) || (ns != "" && !dnsRE.MatchString(ns)):
		return nil, specErr("pvc %q / namespace %q must be lower-case DNS names", pvc, ns)
	}
	mount := first(k.Mount, "/sweep")
	n := len(p.Entries)
	par := first(opts.Parallel, p.Spec.Resources.Parallel)
	if par <= 0 || par > n {
		par = n
	}
	backoff := 6
	if k.BackoffLimit != nil {
		backoff = *k.BackoffLimit
	}
	r := p.Spec.Resources
	cpus := strconv.Itoa(max(r.CPUs, 1))
	res := k8sResources{Requests: map[string]string{"cpu": cpus}, Limits: map[string]string{"cpu": cpus}}
	if r.Memory != "" {
		q, err := K8sQuantity(r.Memory)
		if err != nil {
			return nil, err
		}
		res.Requests["memory"], res.Limits["memory"] = q, q
	}
	if r.GPUs > 0 {
		res.Limits["nvidia.com/gpu"] = strconv.Itoa(r.GPUs)
	}
	env := []k8sEnv{{"OPENBLAS_NUM_THREADS", cpus}, {"OMP_NUM_THREADS", cpus}, {"GOMAXPROCS", cpus}}
	names := make([]string, 0, len(k.Env))
	for name := range k.Env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, k8sEnv{name, k.Env[name]})
	}
	labels := map[string]string{"app.kubernetes.io/name": "rbmscope", "rbmscope.io/sweep": p.Name}
	job := k8sJob{
		APIVersion: "batch/v1", Kind: "Job",
		Metadata: k8sMeta{Name: "rbmscope-" + p.Name, Namespace: ns, Labels: labels},
		Spec: k8sJobSpec{
			CompletionMode: "Indexed", Completions: n, Parallelism: par, BackoffLimit: backoff,
			Template: k8sTemplate{
				Metadata: k8sMeta{Labels: labels},
				Spec: k8sPodSpec{
					RestartPolicy: "OnFailure",
					Containers: []k8sContainer{{
						Name: "worker", Image: image,
						Command:      []string{"rbmscope", "sweep", "worker", "--plan", path.Join(mount, "plan.json")},
						Env:          env,
						Resources:    res,
						VolumeMounts: []k8sVolumeMount{{Name: "sweep", MountPath: mount, SubPath: k.SubPath}},
					}},
					Volumes: []k8sVolume{{Name: "sweep", PersistentVolumeClaim: k8sClaim{ClaimName: pvc}}},
				},
			},
		},
	}
	b, err := yaml.Marshal(job)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("# Written by `rbmscope sweep submit --executor k8s` for %s (%d entries).\n"+
		"# Completion index I trains plan entry I; entries already done are skipped, so after a partial\n"+
		"# run delete the Job and apply this file again to finish the rest.\n", p.Name, n)
	return append([]byte(head), b...), nil
}

// WriteK8sManifest writes DIR/k8s-job.yaml and records it in
// DIR/submissions.json.
func WriteK8sManifest(p *Plan, opts K8sOptions) (string, error) {
	b, err := K8sManifest(p, opts)
	if err != nil {
		return "", err
	}
	out := filepath.Join(p.Dir(), "k8s-job.yaml")
	if err := atomicfile.WriteBytes(out, b); err != nil {
		return "", err
	}
	all := make([]int, len(p.Entries))
	for i := range all {
		all[i] = i
	}
	return out, RecordSubmission(p, Submission{Executor: "k8s", Time: time.Now().UTC(), Indices: ArrayRanges(all), File: out})
}

func first[T comparable](xs ...T) T {
	var zero T
	for _, x := range xs {
		if x != zero {
			return x
		}
	}
	return zero
}
