package sweep

import (
	"os"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// decodeJob decodes a manifest strictly into the Kubernetes API type:
// an unknown or misspelt field is an error.
func decodeJob(t *testing.T, b []byte) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("manifest does not decode strictly as batch/v1 Job: %v\n%s", err, b)
	}
	return &job
}

func TestK8sManifestDecodesAsJob(t *testing.T) {
	p := mustExpand(t, paperYAML) // 20 entries, cpus 2, 4G, 1 GPU, parallel 8, image, pvc sweeps
	dir := t.TempDir()
	if err := p.Write(dir, false); err != nil {
		t.Fatal(err)
	}
	path, err := WriteK8sManifest(p, K8sOptions{Namespace: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	job := decodeJob(t, b)
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name != "rbmscope-paper" || job.Namespace != "ml" {
		t.Errorf("type/meta %s %s %s/%s", job.APIVersion, job.Kind, job.Namespace, job.Name)
	}
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode %v", s.CompletionMode)
	}
	if s.Completions == nil || *s.Completions != 20 || s.Parallelism == nil || *s.Parallelism != 8 || s.BackoffLimit == nil || *s.BackoffLimit != 6 {
		t.Errorf("completions %v parallelism %v backoff %v", s.Completions, s.Parallelism, s.BackoffLimit)
	}
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyOnFailure || len(pod.Containers) != 1 || len(pod.Volumes) != 1 {
		t.Fatalf("pod spec %+v", pod)
	}
	c := pod.Containers[0]
	if c.Image != "ghcr.io/x/rbmscope:1" || strings.Join(c.Command, " ") != "rbmscope sweep worker --plan /sweep/plan.json" {
		t.Errorf("container image %q command %q", c.Image, c.Command)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["OPENBLAS_NUM_THREADS"] != "2" || env["GOMAXPROCS"] != "2" {
		t.Errorf("env %v", env)
	}
	if _, ok := env["JOB_COMPLETION_INDEX"]; ok {
		t.Error("JOB_COMPLETION_INDEX must come from Kubernetes, not the manifest")
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().Cmp(resource.MustParse("2")) != 0 || lim.Memory().Cmp(resource.MustParse("4Gi")) != 0 || req.Memory().Value() != 4<<30 {
		t.Errorf("resources %v / %v", req, lim)
	}
	if g := lim[corev1.ResourceName("nvidia.com/gpu")]; g.Value() != 1 {
		t.Errorf("gpu limit %v", g)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/sweep" || c.VolumeMounts[0].Name != pod.Volumes[0].Name {
		t.Errorf("mounts %+v volumes %+v", c.VolumeMounts, pod.Volumes)
	}
	if v := pod.Volumes[0].PersistentVolumeClaim; v == nil || v.ClaimName != "sweeps" {
		t.Errorf("volume %+v", pod.Volumes[0])
	}
	if job.Spec.Template.Labels["rbmscope.io/sweep"] != "paper" {
		t.Errorf("labels %v", job.Spec.Template.Labels)
	}
	subs, _ := Submissions(p)
	if len(subs) != 1 || subs[0].Executor != "k8s" || subs[0].Indices != "0-19" {
		t.Errorf("submissions %+v", subs)
	}
}

func TestK8sManifestOptions(t *testing.T) {
	p := mustExpand(t, "name: small\nhidden: [3, 4]\nkubernetes: {mount: /data/sw, sub_path: sweeps/a, backoff_limit: 0, env: {RBMSCOPE_MNIST: /data/sw/mnist, B: x}}\nresources: {memory: '1500'}\n")
	p.Write(t.TempDir(), false)
	if _, err := K8sManifest(p, K8sOptions{PVC: "vol"}); err == nil || !strings.Contains(err.Error(), "image") {
		t.Fatalf("missing image: %v", err)
	}
	if _, err := K8sManifest(p, K8sOptions{Image: "img"}); err == nil || !strings.Contains(err.Error(), "pvc") {
		t.Fatalf("missing pvc: %v", err)
	}
	b, err := K8sManifest(p, K8sOptions{Image: "img:2", PVC: "vol", Parallel: 5})
	if err != nil {
		t.Fatal(err)
	}
	job := decodeJob(t, b)
	c := job.Spec.Template.Spec.Containers[0]
	if *job.Spec.Parallelism != 2 || *job.Spec.BackoffLimit != 0 || c.VolumeMounts[0].SubPath != "sweeps/a" ||
		c.Command[4] != "/data/sw/plan.json" || c.Resources.Limits.Memory().Value() != 1500<<20 {
		t.Errorf("job %+v", job.Spec)
	}
	if n := len(c.Env); n != 5 || c.Env[3].Name != "B" || c.Env[4].Name != "RBMSCOPE_MNIST" || c.Env[4].Value != "/data/sw/mnist" {
		t.Errorf("env %+v", c.Env)
	}
	if _, ok := c.Resources.Limits["nvidia.com/gpu"]; ok {
		t.Error("GPU limit without gpus")
	}
}

func TestK8sQuantity(t *testing.T) {
	for in, want := range map[string]string{"4G": "4Gi", "500M": "500Mi", "2048": "2048Mi", "1T": "1Ti", "64K": "64Ki"} {
		got, err := K8sQuantity(in)
		if err != nil || got != want {
			t.Errorf("K8sQuantity(%q) = %q, %v; want %q", in, got, err, want)
		}
		if _, err := resource.ParseQuantity(got); err != nil {
			t.Errorf("%q is not a Kubernetes quantity: %v", got, err)
		}
	}
	if _, err := K8sQuantity("4GB"); err == nil {
		t.Error("4GB accepted")
	}
}
