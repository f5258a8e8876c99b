// kubectl 1.32's "Examples:" help (pkg/cmd/<verb>/*.go, their templates.Examples texts),
// keyed by command path, for every command tskubectl has that kubectl prints examples
// for: the one place they live (no command module writes its own). kubectl is read as
// tskubectl (its zsh function _kubectl too; the kubectl.kubernetes.io annotation keys
// stay), and the text is otherwise kubectl's, even where an example uses something
// tskubectl lacks (kustomize from a git URL, completion fish|powershell).
// addExamples walks a command tree and gives each command found here its "after" help.
import type { Command } from 'commander';

export const EXAMPLES: Readonly<Record<string, string>> = {
  annotate: `
  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'
  # If the same annotation is set multiple times, only the last value will be applied
  tskubectl annotate pods foo description='my frontend'

  # Update a pod identified by type and name in "pod.json"
  tskubectl annotate -f pod.json description='my frontend'

  # Update pod 'foo' with the annotation 'description' and the value 'my frontend running nginx', overwriting any existing value
  tskubectl annotate --overwrite pods foo description='my frontend running nginx'

  # Update all pods in the namespace
  tskubectl annotate pods --all description='my frontend running nginx'

  # Update pod 'foo' only if the resource is unchanged from version 1
  tskubectl annotate pods foo description='my frontend running nginx' --resource-version=1

  # Update pod 'foo' by removing an annotation named 'description' if it exists
  # Does not require the --overwrite flag
  tskubectl annotate pods foo description-`,
  'api-resources': `
  # Print the supported API resources
  tskubectl api-resources

  # Print the supported API resources with more information
  tskubectl api-resources -o wide

  # Print the supported API resources sorted by a column
  tskubectl api-resources --sort-by=name

  # Print the supported namespaced resources
  tskubectl api-resources --namespaced=true

  # Print the supported non-namespaced resources
  tskubectl api-resources --namespaced=false

  # Print the supported API resources with a specific APIGroup
  tskubectl api-resources --api-group=rbac.authorization.k8s.io`,
  'api-versions': `
  # Print the supported API versions
  tskubectl api-versions`,
  apply: `
  # Apply the configuration in pod.json to a pod
  tskubectl apply -f ./pod.json

  # Apply resources from a directory containing kustomization.yaml - e.g. dir/kustomization.yaml
  tskubectl apply -k dir/

  # Apply the JSON passed into stdin to a pod
  cat pod.json | tskubectl apply -f -

  # Apply the configuration from all files that end with '.json'
  tskubectl apply -f '*.json'

  # Note: --prune is still in Alpha
  # Apply the configuration in manifest.yaml that matches label app=nginx and delete all other resources that are not in the file and match label app=nginx
  tskubectl apply --prune -f manifest.yaml -l app=nginx

  # Apply the configuration in manifest.yaml and delete all the other config maps that are not in the file
  tskubectl apply --prune -f manifest.yaml --all --prune-allowlist=core/v1/ConfigMap`,
  'apply view-last-applied': `
  # View the last-applied-configuration annotations by type/name in YAML
  tskubectl apply view-last-applied deployment/nginx

  # View the last-applied-configuration annotations by file in JSON
  tskubectl apply view-last-applied -f deploy.yaml -o json`,
  attach: `
  # Get output from running pod mypod; use the 'kubectl.kubernetes.io/default-container' annotation
  # for selecting the container to be attached or the first container in the pod will be chosen
  tskubectl attach mypod

  # Get output from ruby-container from pod mypod
  tskubectl attach mypod -c ruby-container

  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod
  # and sends stdout/stderr from 'bash' back to the client
  tskubectl attach mypod -c ruby-container -i -t

  # Get output from the first pod of a replica set named nginx
  tskubectl attach rs/nginx`,
  'auth can-i': `
  # Check to see if I can create pods in any namespace
  tskubectl auth can-i create pods --all-namespaces

  # Check to see if I can list deployments in my current namespace
  tskubectl auth can-i list deployments.apps

  # Check to see if service account "foo" of namespace "dev" can list pods in the namespace "prod"
  # You must be allowed to use impersonation for the global option "--as"
  tskubectl auth can-i list pods --as=system:serviceaccount:dev:foo -n prod

  # Check to see if I can do everything in my current namespace ("*" means all)
  tskubectl auth can-i '*' '*'

  # Check to see if I can get the job named "bar" in namespace "foo"
  tskubectl auth can-i list jobs.batch/bar -n foo

  # Check to see if I can read pod logs
  tskubectl auth can-i get pods --subresource=log

  # Check to see if I can access the URL /logs/
  tskubectl auth can-i get /logs/

  # Check to see if I can approve certificates.k8s.io
  tskubectl auth can-i approve certificates.k8s.io

  # List all allowed actions in namespace "foo"
  tskubectl auth can-i --list --namespace=foo`,
  'auth whoami': `
  # Get your subject attributes
  tskubectl auth whoami

  # Get your subject attributes in JSON format
  tskubectl auth whoami -o json`,
  autoscale: `
  # Auto scale a deployment "foo", with the number of pods between 2 and 10, no target CPU utilization specified so a default autoscaling policy will be used
  tskubectl autoscale deployment foo --min=2 --max=10

  # Auto scale a replication controller "foo", with the number of pods between 1 and 5, target CPU utilization at 80%
  tskubectl autoscale rc foo --max=5 --cpu-percent=80`,
  'cluster-info': `
  # Print the address of the control plane and cluster services
  tskubectl cluster-info`,
  'cluster-info dump': `
  # Dump current cluster state to stdout
  tskubectl cluster-info dump

  # Dump current cluster state to /path/to/cluster-state
  tskubectl cluster-info dump --output-directory=/path/to/cluster-state

  # Dump all namespaces to stdout
  tskubectl cluster-info dump --all-namespaces

  # Dump a set of namespaces to /path/to/cluster-state
  tskubectl cluster-info dump --namespaces default,kube-system --output-directory=/path/to/cluster-state`,
  completion: `
  # Installing bash completion on macOS using homebrew
  ## If running Bash 3.2 included with macOS
  brew install bash-completion
  ## or, if running Bash 4.1+
  brew install bash-completion@2
  ## If tskubectl is installed via homebrew, this should start working immediately
  ## If you've installed via other means, you may need add the completion to your completion directory
  tskubectl completion bash > $(brew --prefix)/etc/bash_completion.d/tskubectl


  # Installing bash completion on Linux
  ## If bash-completion is not installed on Linux, install the 'bash-completion' package
  ## via your distribution's package manager.
  ## Load the tskubectl completion code for bash into the current shell
  source <(tskubectl completion bash)
  ## Write bash completion code to a file and source it from .bash_profile
  tskubectl completion bash > ~/.kube/completion.bash.inc
  printf "
  # tskubectl shell completion
  source '$HOME/.kube/completion.bash.inc'
  " >> $HOME/.bash_profile
  source $HOME/.bash_profile

  # Load the tskubectl completion code for zsh[1] into the current shell
  source <(tskubectl completion zsh)
  # Set the tskubectl completion code for zsh[1] to autoload on startup
  tskubectl completion zsh > "\${fpath[1]}/_tskubectl"


  # Load the tskubectl completion code for fish[2] into the current shell
  tskubectl completion fish | source
  # To load completions for each session, execute once:
  tskubectl completion fish > ~/.config/fish/completions/tskubectl.fish

  # Load the tskubectl completion code for powershell into the current shell
  tskubectl completion powershell | Out-String | Invoke-Expression
  # Set tskubectl completion code for powershell to run on startup
  ## Save completion code to a script and execute in the profile
  tskubectl completion powershell > $HOME\\.kube\\completion.ps1
  Add-Content $PROFILE "$HOME\\.kube\\completion.ps1"
  ## Execute completion code in the profile
  Add-Content $PROFILE "if (Get-Command tskubectl -ErrorAction SilentlyContinue) {
  tskubectl completion powershell | Out-String | Invoke-Expression
  }"
  ## Add completion code directly to the $PROFILE script
  tskubectl completion powershell >> $PROFILE`,
  'config current-context': `
  # Display the current-context
  tskubectl config current-context`,
  'config delete-cluster': `
  # Delete the minikube cluster
  tskubectl config delete-cluster minikube`,
  'config delete-context': `
  # Delete the context for the minikube cluster
  tskubectl config delete-context minikube`,
  'config delete-user': `
  # Delete the minikube user
  tskubectl config delete-user minikube`,
  'config get-clusters': `
  # List the clusters that tskubectl knows about
  tskubectl config get-clusters`,
  'config get-contexts': `
  # List all the contexts in your kubeconfig file
  tskubectl config get-contexts

  # Describe one context in your kubeconfig file
  tskubectl config get-contexts my-context`,
  'config get-users': `
  # List the users that tskubectl knows about
  tskubectl config get-users`,
  'config rename-context': `
  # Rename the context 'old-name' to 'new-name' in your kubeconfig file
  tskubectl config rename-context old-name new-name`,
  'config set': `
  # Set the server field on the my-cluster cluster to https://1.2.3.4
  tskubectl config set clusters.my-cluster.server https://1.2.3.4

  # Set the certificate-authority-data field on the my-cluster cluster
  tskubectl config set clusters.my-cluster.certificate-authority-data $(echo "cert_data_here" | base64 -i -)

  # Set the cluster field in the my-context context to my-cluster
  tskubectl config set contexts.my-context.cluster my-cluster

  # Set the client-key-data field in the cluster-admin user using --set-raw-bytes option
  tskubectl config set users.cluster-admin.client-key-data cert_data_here --set-raw-bytes=true`,
  'config set-cluster': `
  # Set only the server field on the e2e cluster entry without touching other values
  tskubectl config set-cluster e2e --server=https://1.2.3.4

  # Embed certificate authority data for the e2e cluster entry
  tskubectl config set-cluster e2e --embed-certs --certificate-authority=~/.kube/e2e/kubernetes.ca.crt

  # Disable cert checking for the e2e cluster entry
  tskubectl config set-cluster e2e --insecure-skip-tls-verify=true

  # Set the custom TLS server name to use for validation for the e2e cluster entry
  tskubectl config set-cluster e2e --tls-server-name=my-cluster-name

  # Set the proxy URL for the e2e cluster entry
  tskubectl config set-cluster e2e --proxy-url=https://1.2.3.4`,
  'config set-context': `
  # Set the user field on the gce context entry without touching other values
  tskubectl config set-context gce --user=cluster-admin`,
  'config set-credentials': `
  # Set only the "client-key" field on the "cluster-admin"
  # entry, without touching other values
  tskubectl config set-credentials cluster-admin --client-key=~/.kube/admin.key

  # Set basic auth for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --username=admin --password=uXFGweU9l35qcif

  # Embed client certificate data in the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --client-certificate=~/.kube/admin.crt --embed-certs=true

  # Enable the Google Compute Platform auth provider for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --auth-provider=gcp

  # Enable the OpenID Connect auth provider for the "cluster-admin" entry with additional arguments
  tskubectl config set-credentials cluster-admin --auth-provider=oidc --auth-provider-arg=client-id=foo --auth-provider-arg=client-secret=bar

  # Remove the "client-secret" config value for the OpenID Connect auth provider for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --auth-provider=oidc --auth-provider-arg=client-secret-

  # Enable new exec auth plugin for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --exec-command=/path/to/the/executable --exec-api-version=client.authentication.k8s.io/v1beta1

  # Enable new exec auth plugin for the "cluster-admin" entry with interactive mode
  tskubectl config set-credentials cluster-admin --exec-command=/path/to/the/executable --exec-api-version=client.authentication.k8s.io/v1beta1 --exec-interactive-mode=Never

  # Define new exec auth plugin arguments for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --exec-arg=arg1 --exec-arg=arg2

  # Create or update exec auth plugin environment variables for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --exec-env=key1=val1 --exec-env=key2=val2

  # Remove exec auth plugin environment variables for the "cluster-admin" entry
  tskubectl config set-credentials cluster-admin --exec-env=var-to-remove-`,
  'config unset': `
  # Unset the current-context
  tskubectl config unset current-context

  # Unset namespace in foo context
  tskubectl config unset contexts.foo.namespace`,
  'config use-context': `
  # Use the context for the minikube cluster
  tskubectl config use-context minikube`,
  'config view': `
  # Show merged kubeconfig settings
  tskubectl config view

  # Show merged kubeconfig settings, raw certificate data, and exposed secrets
  tskubectl config view --raw

  # Get the password for the e2e user
  tskubectl config view -o jsonpath='{.users[?(@.name == "e2e")].user.password}'`,
  cordon: `
  # Mark node "foo" as unschedulable
  tskubectl cordon foo`,
  cp: `
  # !!!Important Note!!!
  # Requires that the 'tar' binary is present in your container
  # image.  If 'tar' is not present, 'tskubectl cp' will fail.
  #
  # For advanced use cases, such as symlinks, wildcard expansion or
  # file mode preservation, consider using 'tskubectl exec'.

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>
  tar cf - /tmp/foo | tskubectl exec -i -n <some-namespace> <some-pod> -- tar xf - -C /tmp/bar

  # Copy /tmp/foo from a remote pod to /tmp/bar locally
  tskubectl exec -n <some-namespace> <some-pod> -- tar cf - /tmp/foo | tar xf - -C /tmp/bar

  # Copy /tmp/foo_dir local directory to /tmp/bar_dir in a remote pod in the default namespace
  tskubectl cp /tmp/foo_dir <some-pod>:/tmp/bar_dir

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in a specific container
  tskubectl cp /tmp/foo <some-pod>:/tmp/bar -c <specific-container>

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>
  tskubectl cp /tmp/foo <some-namespace>/<some-pod>:/tmp/bar

  # Copy /tmp/foo from a remote pod to /tmp/bar locally
  tskubectl cp <some-namespace>/<some-pod>:/tmp/foo /tmp/bar`,
  create: `
  # Create a pod using the data in pod.json
  tskubectl create -f ./pod.json

  # Create a pod based on the JSON passed into stdin
  cat pod.json | tskubectl create -f -

  # Edit the data in registry.yaml in JSON then create the resource using the edited data
  tskubectl create -f registry.yaml --edit -o json`,
  'create configmap': `
  # Create a new config map named my-config based on folder bar
  tskubectl create configmap my-config --from-file=path/to/bar

  # Create a new config map named my-config with specified keys instead of file basenames on disk
  tskubectl create configmap my-config --from-file=key1=/path/to/bar/file1.txt --from-file=key2=/path/to/bar/file2.txt

  # Create a new config map named my-config with key1=config1 and key2=config2
  tskubectl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2

  # Create a new config map named my-config from the key=value pairs in the file
  tskubectl create configmap my-config --from-file=path/to/bar

  # Create a new config map named my-config from an env file
  tskubectl create configmap my-config --from-env-file=path/to/foo.env --from-env-file=path/to/bar.env`,
  'create cronjob': `
  # Create a cron job
  tskubectl create cronjob my-job --image=busybox --schedule="*/1 * * * *"

  # Create a cron job with a command
  tskubectl create cronjob my-job --image=busybox --schedule="*/1 * * * *" -- date`,
  'create deployment': `
  # Create a deployment named my-dep that runs the busybox image
  tskubectl create deployment my-dep --image=busybox

  # Create a deployment with a command
  tskubectl create deployment my-dep --image=busybox -- date

  # Create a deployment named my-dep that runs the nginx image with 3 replicas
  tskubectl create deployment my-dep --image=nginx --replicas=3

  # Create a deployment named my-dep that runs the busybox image and expose port 5701
  tskubectl create deployment my-dep --image=busybox --port=5701

  # Create a deployment named my-dep that runs multiple containers
  tskubectl create deployment my-dep --image=busybox:latest --image=ubuntu:latest --image=nginx`,
  'create job': `
  # Create a job
  tskubectl create job my-job --image=busybox

  # Create a job with a command
  tskubectl create job my-job --image=busybox -- date

  # Create a job from a cron job named "a-cronjob"
  tskubectl create job test-job --from=cronjob/a-cronjob`,
  'create namespace': `
  # Create a new namespace named my-namespace
  tskubectl create namespace my-namespace`,
  'create secret generic': `
  # Create a new secret named my-secret with keys for each file in folder bar
  tskubectl create secret generic my-secret --from-file=path/to/bar

  # Create a new secret named my-secret with specified keys instead of names on disk
  tskubectl create secret generic my-secret --from-file=ssh-privatekey=path/to/id_rsa --from-file=ssh-publickey=path/to/id_rsa.pub

  # Create a new secret named my-secret with key1=supersecret and key2=topsecret
  tskubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret

  # Create a new secret named my-secret using a combination of a file and a literal
  tskubectl create secret generic my-secret --from-file=ssh-privatekey=path/to/id_rsa --from-literal=passphrase=topsecret

  # Create a new secret named my-secret from env files
  tskubectl create secret generic my-secret --from-env-file=path/to/foo.env --from-env-file=path/to/bar.env`,
  debug: `
  # Create an interactive debugging session in pod mypod and immediately attach to it.
  tskubectl debug mypod -it --image=busybox

  # Create an interactive debugging session for the pod in the file pod.yaml and immediately attach to it.
  # (requires the EphemeralContainers feature to be enabled in the cluster)
  tskubectl debug -f pod.yaml -it --image=busybox

  # Create a debug container named debugger using a custom automated debugging image.
  tskubectl debug --image=myproj/debug-tools -c debugger mypod

  # Create a copy of mypod adding a debug container and attach to it
  tskubectl debug mypod -it --image=busybox --copy-to=my-debugger

  # Create a copy of mypod changing the command of mycontainer
  tskubectl debug mypod -it --copy-to=my-debugger --container=mycontainer -- sh

  # Create a copy of mypod changing all container images to busybox
  tskubectl debug mypod --copy-to=my-debugger --set-image=*=busybox

  # Create a copy of mypod adding a debug container and changing container images
  tskubectl debug mypod -it --copy-to=my-debugger --image=debian --set-image=app=app:debug,sidecar=sidecar:debug

  # Create an interactive debugging session on a node and immediately attach to it.
  # The container will run in the host namespaces and the host's filesystem will be mounted at /host
  tskubectl debug node/mynode -it --image=busybox`,
  delete: `
  # Delete a pod using the type and name specified in pod.json
  tskubectl delete -f ./pod.json

  # Delete resources from a directory containing kustomization.yaml - e.g. dir/kustomization.yaml
  tskubectl delete -k dir

  # Delete resources from all files that end with '.json'
  tskubectl delete -f '*.json'

  # Delete a pod based on the type and name in the JSON passed into stdin
  cat pod.json | tskubectl delete -f -

  # Delete pods and services with same names "baz" and "foo"
  tskubectl delete pod,service baz foo

  # Delete pods and services with label name=myLabel
  tskubectl delete pods,services -l name=myLabel

  # Delete a pod with minimal delay
  tskubectl delete pod foo --now

  # Force delete a pod on a dead node
  tskubectl delete pod foo --force

  # Delete all pods
  tskubectl delete pods --all

  # Delete all pods only if the user confirms the deletion
  tskubectl delete pods --all --interactive`,
  describe: `
  # Describe a node
  tskubectl describe nodes kubernetes-node-emt8.c.myproject.internal

  # Describe a pod
  tskubectl describe pods/nginx

  # Describe a pod identified by type and name in "pod.json"
  tskubectl describe -f pod.json

  # Describe all pods
  tskubectl describe pods

  # Describe pods by label name=myLabel
  tskubectl describe pods -l name=myLabel

  # Describe all pods managed by the 'frontend' replication controller
  # (rc-created pods get the name of the rc as a prefix in the pod name)
  tskubectl describe pods frontend`,
  diff: `
  # Diff resources included in pod.json
  tskubectl diff -f pod.json

  # Diff file read from stdin
  cat service.yaml | tskubectl diff -f -`,
  drain: `
  # Drain node "foo", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it
  tskubectl drain foo --force

  # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes
  tskubectl drain foo --grace-period=900`,
  edit: `
  # Edit the service named 'registry'
  tskubectl edit svc/registry

  # Use an alternative editor
  KUBE_EDITOR="nano" tskubectl edit svc/registry

  # Edit the job 'myjob' in JSON using the v1 API format
  tskubectl edit job.v1.batch/myjob -o json

  # Edit the deployment 'mydeployment' in YAML and save the modified config in its annotation
  tskubectl edit deployment/mydeployment -o yaml --save-config

  # Edit the 'status' subresource for the 'mydeployment' deployment
  tskubectl edit deployment mydeployment --subresource='status'`,
  events: `
  # List recent events in the default namespace
  tskubectl events

  # List recent events in all namespaces
  tskubectl events --all-namespaces

  # List recent events for the specified pod, then wait for more events and list them as they arrive
  tskubectl events --for pod/web-pod-13je7 --watch

  # List recent events in YAML format
  tskubectl events -oyaml

  # List recent only events of type 'Warning' or 'Normal'
  tskubectl events --types=Warning,Normal`,
  exec: `
  # Get output from running the 'date' command from pod mypod, using the first container by default
  tskubectl exec mypod -- date

  # Get output from running the 'date' command in ruby-container from pod mypod
  tskubectl exec mypod -c ruby-container -- date

  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod
  # and sends stdout/stderr from 'bash' back to the client
  tskubectl exec mypod -c ruby-container -i -t -- bash -il

  # List contents of /usr from the first container of pod mypod and sort by modification time
  # If the command you want to execute in the pod has any flags in common (e.g. -i),
  # you must use two dashes (--) to separate your command's flags/arguments
  # Also note, do not surround your command and its flags/arguments with quotes
  # unless that is how you would execute it normally (i.e., do ls -t /usr, not "ls -t /usr")
  tskubectl exec mypod -i -t -- ls -t /usr

  # Get output from running 'date' command from the first pod of the deployment mydeployment, using the first container by default
  tskubectl exec deploy/mydeployment -- date

  # Get output from running 'date' command from the first pod of the service myservice, using the first container by default
  tskubectl exec svc/myservice -- date`,
  explain: `
  # Get the documentation of the resource and its fields
  tskubectl explain pods

  # Get all the fields in the resource
  tskubectl explain pods --recursive

  # Get the explanation for deployment in supported api versions
  tskubectl explain deployments --api-version=apps/v1

  # Get the documentation of a specific field of a resource
  tskubectl explain pods.spec.containers

  # Get the documentation of resources in different format
  tskubectl explain deployment --output=plaintext-openapiv2`,
  expose: `
  # Create a service for a replicated nginx, which serves on port 80 and connects to the containers on port 8000
  tskubectl expose rc nginx --port=80 --target-port=8000

  # Create a service for a replication controller identified by type and name specified in "nginx-controller.yaml", which serves on port 80 and connects to the containers on port 8000
  tskubectl expose -f nginx-controller.yaml --port=80 --target-port=8000

  # Create a service for a pod valid-pod, which serves on port 444 with the name "frontend"
  tskubectl expose pod valid-pod --port=444 --name=frontend

  # Create a second service based on the above service, exposing the container port 8443 as port 443 with the name "nginx-https"
  tskubectl expose service nginx --port=443 --target-port=8443 --name=nginx-https

  # Create a service for a replicated streaming application on port 4100 balancing UDP traffic and named 'video-stream'.
  tskubectl expose rc streamer --port=4100 --protocol=UDP --name=video-stream

  # Create a service for a replicated nginx using replica set, which serves on port 80 and connects to the containers on port 8000
  tskubectl expose rs nginx --port=80 --target-port=8000

  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on port 8000
  tskubectl expose deployment nginx --port=80 --target-port=8000`,
  get: `
  # List all pods in ps output format
  tskubectl get pods

  # List all pods in ps output format with more information (such as node name)
  tskubectl get pods -o wide

  # List a single replication controller with specified NAME in ps output format
  tskubectl get replicationcontroller web

  # List deployments in JSON output format, in the "v1" version of the "apps" API group
  tskubectl get deployments.v1.apps -o json

  # List a single pod in JSON output format
  tskubectl get -o json pod web-pod-13je7

  # List a pod identified by type and name specified in "pod.yaml" in JSON output format
  tskubectl get -f pod.yaml -o json

  # List resources from a directory with kustomization.yaml - e.g. dir/kustomization.yaml
  tskubectl get -k dir/

  # Return only the phase value of the specified pod
  tskubectl get -o template pod/web-pod-13je7 --template={{.status.phase}}

  # List resource information in custom columns
  tskubectl get pod test-pod -o custom-columns=CONTAINER:.spec.containers[0].name,IMAGE:.spec.containers[0].image

  # List all replication controllers and services together in ps output format
  tskubectl get rc,services

  # List one or more resources by their type and names
  tskubectl get rc/web service/frontend pods/web-pod-13je7

  # List the 'status' subresource for a single pod
  tskubectl get pod web-pod-13je7 --subresource status

  # List all deployments in namespace 'backend'
  tskubectl get deployments.apps --namespace backend

  # List all pods existing in all namespaces
  tskubectl get pods --all-namespaces`,
  kustomize: `
  # Build the current working directory
  tskubectl kustomize

  # Build some shared configuration directory
  tskubectl kustomize /home/config/production

  # Build from github
  tskubectl kustomize https://github.com/kubernetes-sigs/kustomize.git/examples/helloWorld?ref=v1.0.6`,
  label: `
  # Update pod 'foo' with the label 'unhealthy' and the value 'true'
  tskubectl label pods foo unhealthy=true

  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value
  tskubectl label --overwrite pods foo status=unhealthy

  # Update all pods in the namespace
  tskubectl label pods --all status=unhealthy

  # Update a pod identified by the type and name in "pod.json"
  tskubectl label -f pod.json status=unhealthy

  # Update pod 'foo' only if the resource is unchanged from version 1
  tskubectl label pods foo status=unhealthy --resource-version=1

  # Update pod 'foo' by removing a label named 'bar' if it exists
  # Does not require the --overwrite flag
  tskubectl label pods foo bar-`,
  logs: `
  # Return snapshot logs from pod nginx with only one container
  tskubectl logs nginx

  # Return snapshot logs from pod nginx, prefixing each line with the source pod and container name
  tskubectl logs nginx --prefix

  # Return snapshot logs from pod nginx, limiting output to 500 bytes
  tskubectl logs nginx --limit-bytes=500

  # Return snapshot logs from pod nginx, waiting up to 20 seconds for it to start running.
  tskubectl logs nginx --pod-running-timeout=20s

  # Return snapshot logs from pod nginx with multi containers
  tskubectl logs nginx --all-containers=true

  # Return snapshot logs from all pods in the deployment nginx
  tskubectl logs deployment/nginx --all-pods=true

  # Return snapshot logs from all containers in pods defined by label app=nginx
  tskubectl logs -l app=nginx --all-containers=true

  # Return snapshot logs from all pods defined by label app=nginx, limiting concurrent log requests to 10 pods
  tskubectl logs -l app=nginx --max-log-requests=10

  # Return snapshot of previous terminated ruby container logs from pod web-1
  tskubectl logs -p -c ruby web-1

  # Begin streaming the logs from pod nginx, continuing even if errors occur
  tskubectl logs nginx -f --ignore-errors=true

  # Begin streaming the logs of the ruby container in pod web-1
  tskubectl logs -f -c ruby web-1

  # Begin streaming the logs from all containers in pods defined by label app=nginx
  tskubectl logs -f -l app=nginx --all-containers=true

  # Display only the most recent 20 lines of output in pod nginx
  tskubectl logs --tail=20 nginx

  # Show all logs from pod nginx written in the last hour
  tskubectl logs --since=1h nginx

  # Show all logs with timestamps from pod nginx starting from August 30, 2024, at 06:00:00 UTC
  tskubectl logs nginx --since-time=2024-08-30T06:00:00Z --timestamps=true

  # Show logs from a kubelet with an expired serving certificate
  tskubectl logs --insecure-skip-tls-verify-backend nginx

  # Return snapshot logs from first container of a job named hello
  tskubectl logs job/hello

  # Return snapshot logs from container nginx-1 of a deployment named nginx
  tskubectl logs deployment/nginx -c nginx-1`,
  patch: `
  # Partially update a node using a strategic merge patch, specifying the patch as JSON
  tskubectl patch node k8s-node-1 -p '{"spec":{"unschedulable":true}}'

  # Partially update a node using a strategic merge patch, specifying the patch as YAML
  tskubectl patch node k8s-node-1 -p $'spec:\\n unschedulable: true'

  # Partially update a node identified by the type and name specified in "node.json" using strategic merge patch
  tskubectl patch -f node.json -p '{"spec":{"unschedulable":true}}'

  # Update a container's image; spec.containers[*].name is required because it's a merge key
  tskubectl patch pod valid-pod -p '{"spec":{"containers":[{"name":"kubernetes-serve-hostname","image":"new image"}]}}'

  # Update a container's image using a JSON patch with positional arrays
  tskubectl patch pod valid-pod --type='json' -p='[{"op": "replace", "path": "/spec/containers/0/image", "value":"new image"}]'

  # Update a deployment's replicas through the 'scale' subresource using a merge patch
  tskubectl patch deployment nginx-deployment --subresource='scale' --type='merge' -p '{"spec":{"replicas":2}}'`,
  plugin: `
  # List all available plugins
  tskubectl plugin list

  # List only binary names of available plugins without paths
  tskubectl plugin list --name-only`,
  'plugin list': `
  # List all available plugins
  tskubectl plugin list

  # List only binary names of available plugins without paths
  tskubectl plugin list --name-only`,
  'port-forward': `
  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod
  tskubectl port-forward pod/mypod 5000 6000

  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in a pod selected by the deployment
  tskubectl port-forward deployment/mydeployment 5000 6000

  # Listen on port 8443 locally, forwarding to the targetPort of the service's port named "https" in a pod selected by the service
  tskubectl port-forward service/myservice 8443:https

  # Listen on port 8888 locally, forwarding to 5000 in the pod
  tskubectl port-forward pod/mypod 8888:5000

  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod
  tskubectl port-forward --address 0.0.0.0 pod/mypod 8888:5000

  # Listen on port 8888 on localhost and selected IP, forwarding to 5000 in the pod
  tskubectl port-forward --address localhost,10.19.21.23 pod/mypod 8888:5000

  # Listen on a random port locally, forwarding to 5000 in the pod
  tskubectl port-forward pod/mypod :5000`,
  proxy: `
  # To proxy all of the Kubernetes API and nothing else
  tskubectl proxy --api-prefix=/

  # To proxy only part of the Kubernetes API and also some static files
  # You can get pods info with 'curl localhost:8001/api/v1/pods'
  tskubectl proxy --www=/my/files --www-prefix=/static/ --api-prefix=/api/

  # To proxy the entire Kubernetes API at a different root
  # You can get pods info with 'curl localhost:8001/custom/api/v1/pods'
  tskubectl proxy --api-prefix=/custom/

  # Run a proxy to the Kubernetes API server on port 8011, serving static content from ./local/www/
  tskubectl proxy --port=8011 --www=./local/www/

  # Run a proxy to the Kubernetes API server on an arbitrary local port
  # The chosen port for the server will be output to stdout
  tskubectl proxy --port=0

  # Run a proxy to the Kubernetes API server, changing the API prefix to k8s-api
  # This makes e.g. the pods API available at localhost:8001/k8s-api/v1/pods/
  tskubectl proxy --api-prefix=/k8s-api`,
  replace: `
  # Replace a pod using the data in pod.json
  tskubectl replace -f ./pod.json

  # Replace a pod based on the JSON passed into stdin
  cat pod.json | tskubectl replace -f -

  # Update a single-container pod's image version (tag) to v4
  tskubectl get pod mypod -o yaml | sed 's/\\(image: myimage\\):.*$/\\1:v4/' | tskubectl replace -f -

  # Force replace, delete and then re-create the resource
  tskubectl replace --force -f ./pod.json`,
  rollout: `
  # Rollback to the previous deployment
  tskubectl rollout undo deployment/abc

  # Check the rollout status of a daemonset
  tskubectl rollout status daemonset/foo

  # Restart a deployment
  tskubectl rollout restart deployment/abc

  # Restart deployments with the 'app=nginx' label
  tskubectl rollout restart deployment --selector=app=nginx`,
  'rollout history': `
  # View the rollout history of a deployment
  tskubectl rollout history deployment/abc

  # View the details of daemonset revision 3
  tskubectl rollout history daemonset/abc --revision=3`,
  'rollout pause': `
  # Mark the nginx deployment as paused
  # Any current state of the deployment will continue its function; new updates
  # to the deployment will not have an effect as long as the deployment is paused
  tskubectl rollout pause deployment/nginx`,
  'rollout restart': `
  # Restart all deployments in the test-namespace namespace
  tskubectl rollout restart deployment -n test-namespace

  # Restart a deployment
  tskubectl rollout restart deployment/nginx

  # Restart a daemon set
  tskubectl rollout restart daemonset/abc

  # Restart deployments with the app=nginx label
  tskubectl rollout restart deployment --selector=app=nginx`,
  'rollout resume': `
  # Resume an already paused deployment
  tskubectl rollout resume deployment/nginx`,
  'rollout status': `
  # Watch the rollout status of a deployment
  tskubectl rollout status deployment/nginx`,
  'rollout undo': `
  # Roll back to the previous deployment
  tskubectl rollout undo deployment/abc

  # Roll back to daemonset revision 3
  tskubectl rollout undo daemonset/abc --to-revision=3

  # Roll back to the previous deployment with dry-run
  tskubectl rollout undo --dry-run=server deployment/abc`,
  run: `
  # Start a nginx pod
  tskubectl run nginx --image=nginx

  # Start a hazelcast pod and let the container expose port 5701
  tskubectl run hazelcast --image=hazelcast/hazelcast --port=5701

  # Start a hazelcast pod and set environment variables "DNS_DOMAIN=cluster" and "POD_NAMESPACE=default" in the container
  tskubectl run hazelcast --image=hazelcast/hazelcast --env="DNS_DOMAIN=cluster" --env="POD_NAMESPACE=default"

  # Start a hazelcast pod and set labels "app=hazelcast" and "env=prod" in the container
  tskubectl run hazelcast --image=hazelcast/hazelcast --labels="app=hazelcast,env=prod"

  # Dry run; print the corresponding API objects without creating them
  tskubectl run nginx --image=nginx --dry-run=client

  # Start a nginx pod, but overload the spec with a partial set of values parsed from JSON
  tskubectl run nginx --image=nginx --overrides='{ "apiVersion": "v1", "spec": { ... } }'

  # Start a busybox pod and keep it in the foreground, don't restart it if it exits
  tskubectl run -i -t busybox --image=busybox --restart=Never

  # Start the nginx pod using the default command, but use custom arguments (arg1 .. argN) for that command
  tskubectl run nginx --image=nginx -- <arg1> <arg2> ... <argN>

  # Start the nginx pod using a different command and custom arguments
  tskubectl run nginx --image=nginx --command -- <cmd> <arg1> ... <argN>`,
  scale: `
  # Scale a replica set named 'foo' to 3
  tskubectl scale --replicas=3 rs/foo

  # Scale a resource identified by type and name specified in "foo.yaml" to 3
  tskubectl scale --replicas=3 -f foo.yaml

  # If the deployment named mysql's current size is 2, scale mysql to 3
  tskubectl scale --current-replicas=2 --replicas=3 deployment/mysql

  # Scale multiple replication controllers
  tskubectl scale --replicas=5 rc/example1 rc/example2 rc/example3

  # Scale stateful set named 'web' to 3
  tskubectl scale --replicas=3 statefulset/web`,
  'set env': `
  # Update deployment 'registry' with a new environment variable
  tskubectl set env deployment/registry STORAGE_DIR=/local

  # List the environment variables defined on a deployments 'sample-build'
  tskubectl set env deployment/sample-build --list

  # List the environment variables defined on all pods
  tskubectl set env pods --all --list

  # Output modified deployment in YAML, and does not alter the object on the server
  tskubectl set env deployment/sample-build STORAGE_DIR=/data -o yaml

  # Update all containers in all replication controllers in the project to have ENV=prod
  tskubectl set env rc --all ENV=prod

  # Import environment from a secret
  tskubectl set env --from=secret/mysecret deployment/myapp

  # Import environment from a config map with a prefix
  tskubectl set env --from=configmap/myconfigmap --prefix=MYSQL_ deployment/myapp

  # Import specific keys from a config map
  tskubectl set env --keys=my-example-key --from=configmap/myconfigmap deployment/myapp

  # Remove the environment variable ENV from container 'c1' in all deployment configs
  tskubectl set env deployments --all --containers="c1" ENV-

  # Remove the environment variable ENV from a deployment definition on disk and
  # update the deployment config on the server
  tskubectl set env -f deploy.json ENV-

  # Set some of the local shell environment into a deployment config on the server
  env | grep RAILS_ | tskubectl set env -e - deployment/registry`,
  'set image': `
  # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'
  tskubectl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1

  # Update all deployments' and rc's nginx container's image to 'nginx:1.9.1'
  tskubectl set image deployments,rc nginx=nginx:1.9.1 --all

  # Update image of all containers of daemonset abc to 'nginx:1.9.1'
  tskubectl set image daemonset abc *=nginx:1.9.1

  # Print result (in yaml format) of updating nginx container image from local file, without hitting the server
  tskubectl set image -f path/to/file.yaml nginx=nginx:1.9.1 --local -o yaml`,
  'set resources': `
  # Set a deployments nginx container cpu limits to "200m" and memory to "512Mi"
  tskubectl set resources deployment nginx -c=nginx --limits=cpu=200m,memory=512Mi

  # Set the resource request and limits for all containers in nginx
  tskubectl set resources deployment nginx --limits=cpu=200m,memory=512Mi --requests=cpu=100m,memory=256Mi

  # Remove the resource requests for resources on containers in nginx
  tskubectl set resources deployment nginx --limits=cpu=0,memory=0 --requests=cpu=0,memory=0

  # Print the result (in yaml format) of updating nginx container limits from a local, without hitting the server
  tskubectl set resources -f path/to/file.yaml --limits=cpu=200m,memory=512Mi --local -o yaml`,
  'set selector': `
  # Set the labels and selector before creating a deployment/service pair
  tskubectl create service clusterip my-svc --clusterip="None" -o yaml --dry-run=client | tskubectl set selector --local -f - 'environment=qa' -o yaml | tskubectl create -f -
  tskubectl create deployment my-dep -o yaml --dry-run=client | tskubectl label --local -f - environment=qa -o yaml | tskubectl create -f -`,
  'set serviceaccount': `
  # Set deployment nginx-deployment's service account to serviceaccount1
  tskubectl set serviceaccount deployment nginx-deployment serviceaccount1

  # Print the result (in YAML format) of updated nginx deployment with the service account from local file, without hitting the API server
  tskubectl set sa -f nginx-deployment.yaml serviceaccount1 --local --dry-run=client -o yaml`,
  'set subject': `
  # Update a cluster role binding for serviceaccount1
  tskubectl set subject clusterrolebinding admin --serviceaccount=namespace:serviceaccount1

  # Update a role binding for user1, user2, and group1
  tskubectl set subject rolebinding admin --user=user1 --user=user2 --group=group1

  # Print the result (in YAML format) of updating rolebinding subjects from a local, without hitting the server
  tskubectl create rolebinding admin --role=admin --user=admin -o yaml --dry-run=client | tskubectl set subject --local -f - --user=foo -o yaml`,
  taint: `
  # Update node 'foo' with a taint with key 'dedicated' and value 'special-user' and effect 'NoSchedule'
  # If a taint with that key and effect already exists, its value is replaced as specified
  tskubectl taint nodes foo dedicated=special-user:NoSchedule

  # Remove from node 'foo' the taint with key 'dedicated' and effect 'NoSchedule' if one exists
  tskubectl taint nodes foo dedicated:NoSchedule-

  # Remove from node 'foo' all the taints with key 'dedicated'
  tskubectl taint nodes foo dedicated-

  # Add a taint with key 'dedicated' on nodes having label myLabel=X
  tskubectl taint node -l myLabel=X  dedicated=foo:PreferNoSchedule

  # Add to node 'foo' a taint with key 'bar' and no value
  tskubectl taint nodes foo bar:NoSchedule`,
  'top node': `
  # Show metrics for all nodes
  tskubectl top node

  # Show metrics for a given node
  tskubectl top node NODE_NAME`,
  'top pod': `
  # Show metrics for all pods in the default namespace
  tskubectl top pod

  # Show metrics for all pods in the given namespace
  tskubectl top pod --namespace=NAMESPACE

  # Show metrics for a given pod and its containers
  tskubectl top pod POD_NAME --containers

  # Show metrics for the pods defined by label name=myLabel
  tskubectl top pod -l name=myLabel`,
  uncordon: `
  # Mark node "foo" as schedulable
  tskubectl uncordon foo`,
  version: `
  # Print the client and server versions for the current context
  tskubectl version`,
  wait: `
  # Wait for the pod "busybox1" to contain the status condition of type "Ready"
  tskubectl wait --for=condition=Ready pod/busybox1

  # The default value of status condition is true; you can wait for other targets after an equal delimiter (compared after Unicode simple case folding, which is a more general form of case-insensitivity)
  tskubectl wait --for=condition=Ready=false pod/busybox1

  # Wait for the pod "busybox1" to contain the status phase to be "Running"
  tskubectl wait --for=jsonpath='{.status.phase}'=Running pod/busybox1

  # Wait for pod "busybox1" to be Ready
  tskubectl wait --for='jsonpath={.status.conditions[?(@.type=="Ready")].status}=True' pod/busybox1

  # Wait for the service "loadbalancer" to have ingress
  tskubectl wait --for=jsonpath='{.status.loadBalancer.ingress}' service/loadbalancer

  # Wait for the secret "busybox1" to be created, with a timeout of 30s
  tskubectl create secret generic busybox1
  tskubectl wait --for=create secret/busybox1 --timeout=30s

  # Wait for the pod "busybox1" to be deleted, with a timeout of 60s, after having issued the "delete" command
  tskubectl delete pod/busybox1
  tskubectl wait --for=delete pod/busybox1 --timeout=60s`,
};

/** The help text kubectl prints under "Examples:" for the command at path ('' when none). */
export function examplesHelp(path: string): string {
  const text = EXAMPLES[path];
  // kubectl's templates.Examples indents every line, the blank ones too.
  return text === undefined ? '' : `\nExamples:\n${text.replace(/^\n/, '').replace(/^$/gm, '  ')}`;
}

/** Adds kubectl's examples to every command of the tree under root that has some. */
export function addExamples(root: Command, prefix = ''): void {
  for (const cmd of root.commands) {
    const path = prefix ? `${prefix} ${cmd.name()}` : cmd.name();
    const help = examplesHelp(path);
    if (help) cmd.addHelpText('after', help);
    addExamples(cmd, path);
  }
}
