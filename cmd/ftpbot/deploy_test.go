package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/redistest"
	"github.com/ftpbot/ftpbot/internal/testenv"
	"github.com/ftpbot/ftpbot/state"
	"go.yaml.in/yaml/v3"
)

// The tests below read deploy/ the way kubectl, docker compose and systemd would, with a YAML
// library and systemd's own analyzer, and check what the image and the service promise: non-root,
// read-only, no capabilities, probes on /readyz and /healthz, memory sized from README's measured
// figure, every secret the code reads wired from the Secret, and configs that `ftpbot config
// check` accepts. No cluster or Docker engine is needed.

const deployDir = "../../deploy"

// measuredRSS is README's figure for the resident memory after 100,000 questions, in MB.
func measuredRSS(t *testing.T) float64 {
	t.Helper()
	m := regexp.MustCompile(`BenchmarkMemoryAfterQuestions\S*\s+\d+\s+\d+ ns/op\s+([\d.]+) rss-MB`).FindStringSubmatch(mustRead(t, "../../README.md"))
	if m == nil {
		t.Fatal("README's Performance section has no BenchmarkMemoryAfterQuestions rss-MB figure")
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 {
		t.Fatalf("README's rss-MB %q is not a number", m[1])
	}
	return v
}

// bytesOf reads a Kubernetes quantity ("64Mi", "1G") or a Docker/systemd size ("128m", "128M")
// in bytes; binary suffixes for Docker and systemd, as they mean them.
func bytesOf(t *testing.T, q string, binaryLetters bool) float64 {
	t.Helper()
	m := regexp.MustCompile(`^([\d.]+)([A-Za-z]*)$`).FindStringSubmatch(q)
	if m == nil {
		t.Fatalf("%q is not a size", q)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	units := map[string]float64{"": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 1e3, "M": 1e6, "G": 1e9}
	if binaryLetters {
		units = map[string]float64{"": 1, "k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30}
	}
	u, ok := units[m[2]]
	if !ok {
		t.Fatalf("%q has an unknown unit", q)
	}
	return v * u
}

// The parts of Kubernetes objects the checks read.
type (
	k8sObject struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
		Spec       yaml.Node         `yaml:"spec"`
		file       string
	}
	deploymentSpec struct {
		Replicas int           `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	}
	labelSelector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	podSpec struct {
		AutomountServiceAccountToken  *bool           `yaml:"automountServiceAccountToken"`
		TerminationGracePeriodSeconds int             `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               securityContext `yaml:"securityContext"`
		Containers                    []container     `yaml:"containers"`
		Volumes                       []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	}
	securityContext struct {
		RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
		RunAsUser                *int64 `yaml:"runAsUser"`
		AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
		Privileged               *bool  `yaml:"privileged"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
			Add  []string `yaml:"add"`
		} `yaml:"capabilities"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name     string `yaml:"name"`
					Key      string `yaml:"key"`
					Optional bool   `yaml:"optional"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Lifecycle struct {
			PreStop struct {
				Sleep struct {
					Seconds int `yaml:"seconds"`
				} `yaml:"sleep"`
			} `yaml:"preStop"`
		} `yaml:"lifecycle"`
		ReadinessProbe  *probeSpec      `yaml:"readinessProbe"`
		LivenessProbe   *probeSpec      `yaml:"livenessProbe"`
		Resources       resources       `yaml:"resources"`
		SecurityContext securityContext `yaml:"securityContext"`
		VolumeMounts    []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	probeSpec struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
		TCPSocket *struct {
			Port string `yaml:"port"`
		} `yaml:"tcpSocket"`
	}
	resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	}
	serviceSpec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	}
	pdbSpec struct {
		MinAvailable   *int          `yaml:"minAvailable"`
		MaxUnavailable *int          `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	}
)

// manifests reads every object of every YAML file in deploy/kubernetes, by kind and name.
func manifests(t *testing.T) (map[string]*k8sObject, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	objs := map[string]*k8sObject{}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		dec := yaml.NewDecoder(strings.NewReader(mustRead(t, f)))
		for {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: an object without apiVersion, kind or metadata.name", f)
				continue
			}
			o.file = filepath.Base(f)
			key := o.Kind + "/" + o.Metadata.Name
			if objs[key] != nil {
				t.Errorf("%s is defined twice", key)
			}
			objs[key] = &o
		}
	}
	return objs, names
}

func object(t *testing.T, objs map[string]*k8sObject, key string) *k8sObject {
	t.Helper()
	o := objs[key]
	if o == nil {
		t.Fatalf("deploy/kubernetes has no %s", key)
	}
	return o
}

func specOf[T any](t *testing.T, o *k8sObject) T {
	t.Helper()
	var s T
	if err := o.Spec.Decode(&s); err != nil {
		t.Fatalf("%s/%s spec: %v", o.Kind, o.Metadata.Name, err)
	}
	return s
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// hardened checks a container's security settings together with its pod's.
func hardened(t *testing.T, what string, pod podSpec, c container) {
	t.Helper()
	is := func(p *bool) bool { return p != nil && *p }
	isNot := func(p *bool) bool { return p != nil && !*p }
	if !is(c.SecurityContext.RunAsNonRoot) && !is(pod.SecurityContext.RunAsNonRoot) {
		t.Errorf("%s: runAsNonRoot is not true", what)
	}
	for _, u := range []*int64{pod.SecurityContext.RunAsUser, c.SecurityContext.RunAsUser} {
		if u != nil && *u == 0 {
			t.Errorf("%s: runAsUser 0", what)
		}
	}
	if !isNot(c.SecurityContext.AllowPrivilegeEscalation) {
		t.Errorf("%s: allowPrivilegeEscalation is not false", what)
	}
	if !is(c.SecurityContext.ReadOnlyRootFilesystem) {
		t.Errorf("%s: readOnlyRootFilesystem is not true", what)
	}
	if is(c.SecurityContext.Privileged) {
		t.Errorf("%s: privileged", what)
	}
	if !slices.Contains(c.SecurityContext.Capabilities.Drop, "ALL") || len(c.SecurityContext.Capabilities.Add) > 0 {
		t.Errorf("%s: capabilities drop %v add %v, want drop ALL and add none", what, c.SecurityContext.Capabilities.Drop, c.SecurityContext.Capabilities.Add)
	}
	if c.SecurityContext.SeccompProfile.Type != "RuntimeDefault" && pod.SecurityContext.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("%s: no RuntimeDefault seccomp profile", what)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken is not false (ftpbot never talks to the API server)", what)
	}
	if c.Resources.Limits["memory"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Requests["cpu"] == "" {
		t.Errorf("%s: resources %+v, want memory requests and limits and a cpu request", what, c.Resources)
	}
}

// containerPort resolves a probe's or Service's port (a name or a number) to the container's.
func containerPort(c container, port string) int {
	for _, p := range c.Ports {
		if p.Name == port || strconv.Itoa(p.ContainerPort) == port {
			return p.ContainerPort
		}
	}
	return 0
}

func TestKubernetesManifests(t *testing.T) {
	objs, files := manifests(t)
	rss := measuredRSS(t)

	// The bot.
	dep := object(t, objs, "Deployment/ftpbot")
	ds := specOf[deploymentSpec](t, dep)
	if ds.Replicas != 2 {
		t.Errorf("ftpbot replicas = %d, want 2", ds.Replicas)
	}
	podLabels := ds.Template.Metadata.Labels
	if !selects(ds.Selector.MatchLabels, podLabels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", ds.Selector.MatchLabels, podLabels)
	}
	pod := ds.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("ftpbot pod has %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	hardened(t, "ftpbot", pod, c)
	if !slices.Equal(c.Args, execForm(t, "CMD", readDockerfile(t).last(t, "CMD"))) {
		t.Errorf("ftpbot args %v, want the image's CMD", c.Args)
	}
	if got := containerPort(c, "http"); got != 8080 {
		t.Errorf("ftpbot's http port = %d, want 8080 (the image's EXPOSE)", got)
	}
	for _, p := range []struct {
		name, path string
		probe      *probeSpec
	}{{"readinessProbe", "/readyz", c.ReadinessProbe}, {"livenessProbe", "/healthz", c.LivenessProbe}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || containerPort(c, p.probe.HTTPGet.Port) != 8080 {
			t.Errorf("ftpbot %s = %+v, want GET %s on port 8080", p.name, p.probe, p.path)
		}
	}
	req, lim := bytesOf(t, c.Resources.Requests["memory"], false)/1e6, bytesOf(t, c.Resources.Limits["memory"], false)/1e6
	if req < rss || req > 2*rss {
		t.Errorf("memory request %s (%.0f MB): want between README's measured %.1f MB and twice that", c.Resources.Requests["memory"], req, rss)
	}
	if lim < req || lim > 4*rss {
		t.Errorf("memory limit %s (%.0f MB): want at least the request and at most four times the measured %.1f MB", c.Resources.Limits["memory"], lim, rss)
	}

	// Secrets: every variable the code reads a secret from comes from the Secret template.
	secret := object(t, objs, "Secret/ftpbot")
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name != secret.Metadata.Name || ref.Key != e.Name {
				t.Errorf("env %s comes from secret %s key %s, want %s key %s", e.Name, ref.Name, ref.Key, secret.Metadata.Name, e.Name)
			}
			if _, ok := secret.StringData[ref.Key]; !ok {
				t.Errorf("env %s reads key %s, which the Secret template lacks", e.Name, ref.Key)
			}
			env[e.Name] = secret.StringData[ref.Key]
		}
	}
	for _, s := range secretEnv {
		if _, ok := secret.StringData[s.env]; !ok {
			t.Errorf("the Secret template lacks %s, which ftpbot reads", s.env)
		}
		found := false
		for _, e := range c.Env {
			found = found || (e.Name == s.env && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil)
		}
		if !found {
			t.Errorf("the Deployment does not set %s from the Secret", s.env)
		}
	}
	if l := env[listenEnv]; l != "" && l != "0.0.0.0:8080" {
		t.Errorf("%s = %q, want 0.0.0.0:8080", listenEnv, l)
	}

	// The config: mounted where FTPBOT_CONFIG says, and accepted by config check with the
	// Secret's values in the environment.
	cm := object(t, objs, "ConfigMap/ftpbot-config")
	var mountPath string
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == vm.Name && v.ConfigMap != nil && v.ConfigMap.Name == cm.Metadata.Name {
				mountPath = vm.MountPath
				if !vm.ReadOnly {
					t.Errorf("the config volume is mounted writable")
				}
			}
		}
	}
	if mountPath == "" {
		t.Fatal("the ConfigMap is not mounted into the ftpbot container")
	}
	key := strings.TrimPrefix(env["FTPBOT_CONFIG"], mountPath+"/")
	toml, ok := cm.Data[key]
	if !ok {
		t.Fatalf("FTPBOT_CONFIG=%s names no key of the ConfigMap (keys %v)", env["FTPBOT_CONFIG"], cm.Data)
	}
	cfg, err := ParseConfig(strings.NewReader(toml), envOf(env))
	if err != nil {
		t.Fatalf("the ConfigMap's %s: %v", key, err)
	}
	if cfg.State.Backend != "redis" {
		t.Errorf("[state] backend = %q, want redis: two replicas must share limits and Slack's retries", cfg.State.Backend)
	}
	if _, port, _ := net.SplitHostPort(cfg.Server.Listen); port != "8080" {
		t.Errorf("[server] listen = %q, want port 8080", cfg.Server.Listen)
	}
	// The pod is told to stop, waits out its preStop sleep (while the endpoints forget it), then
	// drains within shutdown_timeout: all of it inside the grace period, or answers are killed.
	preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if preStop == 0 {
		t.Error("no preStop sleep: a rolling update would refuse the requests still routed to a stopping pod")
	}
	if grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second; preStop+cfg.Server.ShutdownTimeout.Duration >= grace {
		t.Errorf("preStop %v + shutdown_timeout %v is not under terminationGracePeriodSeconds %v: answers in flight would be killed", preStop, cfg.Server.ShutdownTimeout.Duration, grace)
	}

	// The scraper is told where /metrics is: metrics_listen's port when set, else the http port.
	metricsPort := "8080"
	if cfg.Server.MetricsListen != "" {
		_, metricsPort, _ = net.SplitHostPort(cfg.Server.MetricsListen)
	}
	var tmpl struct {
		Template struct {
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		} `yaml:"template"`
	}
	if err := dep.Spec.Decode(&tmpl); err != nil {
		t.Fatal(err)
	}
	ann := tmpl.Template.Metadata.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != metricsPort || ann["prometheus.io/path"] != "/metrics" ||
		containerPort(c, metricsPort) == 0 {
		t.Errorf("prometheus.io annotations %v, want scrape of /metrics on port %s, a declared container port", ann, metricsPort)
	}

	// Service and PodDisruptionBudget select the bot's pods.
	svc := specOf[serviceSpec](t, object(t, objs, "Service/ftpbot"))
	if !selects(svc.Selector, podLabels) || len(svc.Ports) != 1 || containerPort(c, svc.Ports[0].TargetPort) != 8080 {
		t.Errorf("Service ftpbot %+v: want one port, to the pods' 8080 (not the metrics port)", svc)
	}
	pdb := specOf[pdbSpec](t, object(t, objs, "PodDisruptionBudget/ftpbot"))
	if !selects(pdb.Selector.MatchLabels, podLabels) {
		t.Errorf("the PodDisruptionBudget's selector %v does not select the pods", pdb.Selector.MatchLabels)
	}
	if pdb.MinAvailable == nil || *pdb.MinAvailable < 1 || *pdb.MinAvailable >= ds.Replicas {
		t.Errorf("the PodDisruptionBudget's minAvailable = %v, want at least 1 and fewer than the %d replicas (else no node could drain)", pdb.MinAvailable, ds.Replicas)
	}

	// Redis: hardened too, reachable at the address and with the password the Secret's URL names.
	rd := specOf[deploymentSpec](t, object(t, objs, "Deployment/ftpbot-redis"))
	if len(rd.Template.Spec.Containers) != 1 {
		t.Fatal("the Redis pod should have one container")
	}
	rc := rd.Template.Spec.Containers[0]
	hardened(t, "redis", rd.Template.Spec, rc)
	rsvcObj := object(t, objs, "Service/ftpbot-redis")
	rsvc := specOf[serviceSpec](t, rsvcObj)
	if !selects(rsvc.Selector, rd.Template.Metadata.Labels) || len(rsvc.Ports) == 0 || containerPort(rc, rsvc.Ports[0].TargetPort) != 6379 {
		t.Errorf("Service ftpbot-redis %+v does not send to Redis's port 6379", rsvc)
	}
	u, err := url.Parse(env["FTPBOT_REDIS_URL"])
	if err != nil {
		t.Fatalf("FTPBOT_REDIS_URL: %v", err)
	}
	pass, _ := u.User.Password()
	if u.Hostname() != rsvcObj.Metadata.Name || u.Port() != strconv.Itoa(rsvc.Ports[0].Port) {
		t.Errorf("FTPBOT_REDIS_URL points at %s, want the Service %s:%d", u.Host, rsvcObj.Metadata.Name, rsvc.Ports[0].Port)
	}
	if pass == "" || pass != secret.StringData["REDIS_PASSWORD"] || !slices.Contains(rc.Args, "$(REDIS_PASSWORD)") {
		t.Errorf("Redis's --requirepass and FTPBOT_REDIS_URL's password do not both come from REDIS_PASSWORD (args %v)", rc.Args)
	}

	// kustomization.yaml applies every manifest but the Secret template, and names the image.
	var kust struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, filepath.Join(deployDir, "kubernetes", "kustomization.yaml"))), &kust); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if f != "kustomization.yaml" && f != secret.file {
			want = append(want, f)
		}
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(kust.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, want %v (every manifest but the Secret template)", got, want)
	}
	if len(kust.Images) == 0 || kust.Images[0].Name != c.Image {
		t.Errorf("kustomization images %+v do not rename the Deployment's image %q", kust.Images, c.Image)
	}
}

func TestDockerCompose(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			User        string            `yaml:"user"`
			ReadOnly    bool              `yaml:"read_only"`
			CapDrop     []string          `yaml:"cap_drop"`
			SecurityOpt []string          `yaml:"security_opt"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			MemLimit    string            `yaml:"mem_limit"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, filepath.Join(deployDir, "docker-compose.yml"))), &compose); err != nil {
		t.Fatal(err)
	}
	bot, ok := compose.Services["ftpbot"]
	if !ok {
		t.Fatal("docker-compose.yml has no ftpbot service")
	}
	redis, ok := compose.Services["redis"]
	if !ok {
		t.Fatal("docker-compose.yml has no redis service")
	}
	for name, s := range map[string]struct {
		user     string
		readOnly bool
		capDrop  []string
		secOpt   []string
		hc       []string
		mem      string
	}{
		"ftpbot": {bot.User, bot.ReadOnly, bot.CapDrop, bot.SecurityOpt, bot.Healthcheck.Test, bot.MemLimit},
		"redis":  {redis.User, redis.ReadOnly, redis.CapDrop, redis.SecurityOpt, redis.Healthcheck.Test, redis.MemLimit},
	} {
		if uid, _, _ := strings.Cut(s.user, ":"); uid == "" || uid == "0" || uid == "root" {
			t.Errorf("%s runs as %q, want a non-root user", name, s.user)
		}
		if !s.readOnly || !slices.Contains(s.capDrop, "ALL") || !slices.Contains(s.secOpt, "no-new-privileges:true") {
			t.Errorf("%s: read_only %v, cap_drop %v, security_opt %v; want read-only, ALL dropped, no-new-privileges", name, s.readOnly, s.capDrop, s.secOpt)
		}
		if len(s.hc) == 0 || s.mem == "" {
			t.Errorf("%s: healthcheck %v, mem_limit %q; want both", name, s.hc, s.mem)
		}
	}
	entry := execForm(t, "ENTRYPOINT", readDockerfile(t).last(t, "ENTRYPOINT"))
	if len(bot.Healthcheck.Test) != 3 || bot.Healthcheck.Test[0] != "CMD" || bot.Healthcheck.Test[1] != entry[0] || bot.Healthcheck.Test[2] != "healthcheck" {
		t.Errorf("ftpbot's healthcheck %v, want [CMD %s healthcheck] (the image has no shell)", bot.Healthcheck.Test, entry[0])
	}
	if mem := bytesOf(t, bot.MemLimit, true) / 1e6; mem < measuredRSS(t) {
		t.Errorf("ftpbot's mem_limit %s is under README's measured %.1f MB", bot.MemLimit, measuredRSS(t))
	}
	if bot.DependsOn["redis"].Condition != "service_healthy" {
		t.Errorf("ftpbot does not wait for a healthy redis: %+v", bot.DependsOn)
	}
	for _, p := range bot.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") || !strings.HasSuffix(p, ":8080") {
			t.Errorf("port %q: want 127.0.0.1:…:8080 (publish on loopback; a proxy in front does TLS)", p)
		}
	}
	for _, s := range secretEnv {
		if _, ok := bot.Environment[s.env]; !ok {
			t.Errorf("docker-compose.yml does not pass %s", s.env)
		}
	}
	if u, err := url.Parse(bot.Environment["FTPBOT_REDIS_URL"]); err != nil || u.Hostname() != "redis" {
		t.Errorf("FTPBOT_REDIS_URL = %q, want the redis service", bot.Environment["FTPBOT_REDIS_URL"])
	}
	// The mounted config is the one FTPBOT_CONFIG names, and config check accepts it.
	var source string
	for _, v := range bot.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == bot.Environment["FTPBOT_CONFIG"] {
			source = parts[0]
		}
	}
	if source == "" {
		t.Fatalf("FTPBOT_CONFIG=%s is not a mounted file", bot.Environment["FTPBOT_CONFIG"])
	}
	env := map[string]string{"FTPBOT_REDIS_URL": bot.Environment["FTPBOT_REDIS_URL"]}
	cfg, err := ParseConfig(strings.NewReader(mustRead(t, filepath.Join(deployDir, source))), envOf(env))
	if err != nil {
		t.Fatalf("%s: %v", source, err)
	}
	if cfg.State.Backend != "redis" || !strings.HasSuffix(cfg.Server.Listen, ":8080") {
		t.Errorf("%s: backend %q listen %q, want redis and port 8080", source, cfg.State.Backend, cfg.Server.Listen)
	}
}

// unit reads a systemd unit's key=value lines by section; a key may repeat.
func unit(t *testing.T, text string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("unit line %d %q is not key=value in a section", i+1, line)
			}
			out[section][strings.TrimSpace(k)] = append(out[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	path := filepath.Join(deployDir, "systemd", "ftpbot.service")
	text := mustRead(t, path)
	u := unit(t, text)
	svc := u["Service"]
	one := func(k string) string {
		if len(svc[k]) == 0 {
			return "(unset)"
		}
		return svc[k][len(svc[k])-1]
	}
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
		"CapabilityBoundingSet": "", "AmbientCapabilities": "", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
	} {
		if got := one(k); got != want {
			t.Errorf("%s=%s, want %s=%s", k, got, k, want)
		}
	}
	if one("DynamicUser") != "yes" && (one("User") == "(unset)" || one("User") == "root") {
		t.Error("neither DynamicUser=yes nor a User other than root")
	}
	fams := strings.Fields(one("RestrictAddressFamilies"))
	if !slices.Contains(fams, "AF_INET") || !slices.Contains(fams, "AF_INET6") || slices.Contains(fams, "AF_PACKET") || slices.Contains(fams, "AF_NETLINK") {
		t.Errorf("RestrictAddressFamilies=%v, want the Internet families and no raw or netlink sockets", fams)
	}
	if one("SystemCallFilter") == "(unset)" {
		t.Error("no SystemCallFilter")
	}
	if mem := bytesOf(t, one("MemoryMax"), true) / 1e6; mem < measuredRSS(t) {
		t.Errorf("MemoryMax=%s is under README's measured %.1f MB", one("MemoryMax"), measuredRSS(t))
	}
	stop, err := time.ParseDuration(one("TimeoutStopSec"))
	if err != nil || stop <= defaults().Server.ShutdownTimeout.Duration {
		t.Errorf("TimeoutStopSec=%s, want longer than the default shutdown_timeout %v", one("TimeoutStopSec"), defaults().Server.ShutdownTimeout.Duration)
	}
	exec0 := strings.Fields(one("ExecStart"))
	if len(exec0) < 2 || !strings.HasSuffix(exec0[0], "/ftpbot") || exec0[1] != "serve" {
		t.Errorf("ExecStart=%s, want ftpbot serve", one("ExecStart"))
	}
	if len(u["Install"]["WantedBy"]) == 0 {
		t.Error("no [Install] WantedBy: systemctl enable would do nothing")
	}
	analyzeUnit(t, text, exec0[0])
}

// analyzeUnit runs systemd's own checks on the unit, offline: `systemd-analyze verify` (unknown
// keys, bad values) and `systemd-analyze security --offline`, whose exposure score must stay
// "OK" (2.0 or lower on its 0–10 scale). The unit's binary is replaced by a real one, since
// verify insists that it exists.
func analyzeUnit(t *testing.T, text, binary string) {
	t.Helper()
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Missing(t, "no systemd-analyze (Debian package systemd): %v", err)
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unitPath := filepath.Join(dir, "ftpbot.service")
	if err := os.WriteFile(unitPath, []byte(strings.ReplaceAll(text, binary, self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", unitPath).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(sa, "security", "--offline=true", "--no-pager", unitPath).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for ftpbot.service: ([\d.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 2.0 {
		t.Errorf("systemd-analyze security rates the unit %.1f, want 2.0 or lower:\n%s", score, out)
	} else {
		t.Logf("systemd-analyze security: exposure %.1f", score)
	}
}

// TestDeployRedisArgs runs a real redis-server with the arguments redis.yaml and
// docker-compose.yml give it (on a loopback port, with the Secret's password), and connects
// ftpbot's shared state to it with the URL the bot is given: the arguments must be ones Redis 7
// accepts, and the password in FTPBOT_REDIS_URL the one Redis requires.
func TestDeployRedisArgs(t *testing.T) {
	bin := redistest.Binary()
	if bin == "" {
		testenv.Missing(t, "no redis-server (Debian package redis-server)")
		return
	}
	objs, _ := manifests(t)
	secret := object(t, objs, "Secret/ftpbot")
	rc := specOf[deploymentSpec](t, object(t, objs, "Deployment/ftpbot-redis")).Template.Spec.Containers[0]
	var k8sArgs []string
	for _, a := range rc.Args {
		k8sArgs = append(k8sArgs, strings.ReplaceAll(a, "$(REDIS_PASSWORD)", secret.StringData["REDIS_PASSWORD"]))
	}
	var compose struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, filepath.Join(deployDir, "docker-compose.yml"))), &compose); err != nil {
		t.Fatal(err)
	}
	cmdArgs := compose.Services["redis"].Command
	if len(cmdArgs) == 0 || cmdArgs[0] != "redis-server" {
		t.Fatalf("compose's redis command %v does not start redis-server", cmdArgs)
	}
	for _, tt := range []struct {
		name, url string
		args      []string
	}{
		{"kubernetes", secret.StringData["FTPBOT_REDIS_URL"], k8sArgs},
		{"compose", compose.Services["ftpbot"].Environment["FTPBOT_REDIS_URL"], cmdArgs[1:]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			_, port, _ := net.SplitHostPort(addr)
			dir := t.TempDir()
			var logs logtest.Buffer
			cmd := exec.Command(bin, append(append([]string{}, tt.args...), "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no", "--logfile", "")...)
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })

			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			u.Host = addr // the Service's name, here: this loopback port
			var st *state.Store
			deadline := time.Now().Add(10 * time.Second)
			for {
				select {
				case <-exited:
					t.Fatalf("redis-server %v exited:\n%s", tt.args, logs.String())
				default:
				}
				if st, err = state.Open(state.Config{Backend: state.Redis, RedisURL: u.String(), KeyPrefix: "ftpbot:"}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil); err != nil {
					t.Fatal(err)
				}
				if !st.Degraded() {
					break
				}
				st.Close()
				if time.Now().After(deadline) {
					t.Fatalf("ftpbot's state cannot use redis-server %v with %s:\n%s", tt.args, state.Redact(u.String()), logs.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			defer st.Close()
			lim := st.Limiter("questions", 1)
			ctx := t.Context()
			if !lim.Allow(ctx, "u1") || lim.Allow(ctx, "u1") || st.Degraded() {
				t.Error("a limit of 1 a minute did not allow one question and refuse the second through Redis")
			}
		})
	}
}

// TestProductionNumbersMatchPerformance keeps README's "Running in production" honest: the
// figures it quotes are the Performance section's, rounded, so re-running .ci/perf and not the
// prose fails here.
func TestProductionNumbersMatchPerformance(t *testing.T) {
	readme := mustRead(t, "../../README.md")
	i, j := strings.Index(readme, "## Running in production"), strings.Index(readme, "<!-- performance:begin -->")
	if i < 0 || j < i {
		t.Fatal("README has no Running in production section before Performance")
	}
	prose, perf := readme[i:j], readme[j:]
	metric := func(bench, unit string) float64 {
		m := regexp.MustCompile(`Benchmark` + bench + `\S*\s.*?([\d.]+) ` + regexp.QuoteMeta(unit)).FindStringSubmatch(perf)
		if m == nil {
			t.Fatalf("the Performance section has no %s %s", bench, unit)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	perSecond := func(nsPerOp float64) float64 { return 1e9 / nsPerOp }
	round := func(v, to float64) string {
		n := int(v/to+0.5) * int(to)
		s := strconv.Itoa(n)
		if n >= 1000 {
			s = s[:len(s)-3] + "," + s[len(s)-3:]
		}
		return s
	}
	for _, want := range []string{
		"about " + round(metric("Load/slack", "bot-req/s"), 100) + " Slack slash commands a second (p99 " + round(metric("Load/slack", "bot-p99-ms"), 1) + " ms)",
		round(metric("Load/discord", "bot-req/s"), 100) + " Discord interactions (p99 " + round(metric("Load/discord", "bot-p99-ms"), 1) + " ms",
		"about " + round(metric("AskFreeText", "ns/op")/1000, 1) + " µs for words",
		"roughly " + round(perSecond(metric("AskFreeText", "ns/op")), 1000) + " and " + round(perSecond(metric("AskLog200", "ns/op")), 100) + " a second",
		"against the " + round(metric("MemoryAfterQuestions", "rss-MB"), 1) + " MB measured below",
	} {
		if !strings.Contains(prose, want) {
			t.Errorf("Running in production does not say %q (from the Performance section)", want)
		}
	}
}
