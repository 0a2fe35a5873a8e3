using System.Text.Json.Nodes;

namespace Checkup.Tests.Infra;

/// <summary>What the pipeline may and must do, checked on the parsed workflow; a list of what it breaks.</summary>
public static class PipelineRules
{
    /// <summary>What `azd pipeline config` sets as Actions variables (Azure/azure-dev, pkg/pipeline/github_provider.go).</summary>
    private static readonly string[] AzdVariables = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_RESOURCE_GROUP"];

    public static List<string> Problems(string text, string testCommand, IReadOnlyList<string> pipelineVariables)
    {
        var problems = new List<string>();
        var workflow = Yaml.ToJson(text)!.AsObject();

        if (text.Contains("secrets.", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("the workflow reads secrets.: Azure is reached over OpenID Connect and the app's secrets stay in Key Vault");
        }

        var on = workflow["on"] as JsonObject;
        if (on is null || !on.ContainsKey("push") || !on.ContainsKey("pull_request"))
        {
            problems.Add("it must run on push and on pull_request");
        }
        else if (on["push"] is JsonObject push && (push.ContainsKey("branches") || push.ContainsKey("branches-ignore") || push.ContainsKey("paths")))
        {
            problems.Add("it must run on every push, not filtered ones");
        }

        if (workflow["permissions"] is not JsonObject top || top.Count != 1 || (string?)top["contents"] != "read")
        {
            problems.Add("the top-level permissions must be exactly contents: read");
        }

        var jobs = workflow["jobs"]?.AsObject() ?? [];
        foreach (var (name, job) in jobs)
        {
            if (job?["permissions"] is not JsonObject permissions)
            {
                problems.Add($"{name}: a job states its own permissions (a map)");
                continue;
            }

            foreach (var (scope, level) in permissions)
            {
                var allowed = name == "deploy" && scope == "id-token" && (string?)level == "write";
                if ((string?)level != "read" && (string?)level != "none" && !allowed)
                {
                    problems.Add($"{name}: {scope}: {level}: no job writes, except the deploy job's id-token");
                }
            }
        }

        if (jobs["test"] is not JsonObject test)
        {
            problems.Add("a job named test runs the tests");
        }
        else
        {
            if (!Runs(test).Contains(testCommand))
            {
                problems.Add($"test: a step must run the README's test command '{testCommand}'");
            }

            if (test.ContainsKey("if"))
            {
                problems.Add("test: runs always (no if)");
            }
        }

        if (jobs["deploy"] is not JsonObject deploy)
        {
            problems.Add("a job named deploy deploys with azd");
            return problems;
        }

        if ((string?)deploy["needs"] != "test" && !(deploy["needs"] is JsonArray needs && needs.Any(n => (string?)n == "test")))
        {
            problems.Add("deploy: needs the test job");
        }

        var condition = (string?)deploy["if"] ?? "";
        if (!condition.Contains("github.ref == 'refs/heads/main'", StringComparison.Ordinal) || !condition.Contains("github.event_name == 'push'", StringComparison.Ordinal))
        {
            problems.Add("deploy: only a push to main deploys (if: github.event_name == 'push' && github.ref == 'refs/heads/main')");
        }

        if (deploy.ContainsKey("environment"))
        {
            problems.Add("deploy: no environment: it would make the OIDC subject repo:...:environment:..., which azd pipeline config's federated credential (ref:refs/heads/main) does not match");
        }

        var steps = deploy["steps"]?.AsArray() ?? [];
        if (!steps.Any(s => ((string?)s?["uses"])?.StartsWith("Azure/setup-azd@", StringComparison.Ordinal) == true))
        {
            problems.Add("deploy: installs azd with Azure/setup-azd");
        }

        var runs = Runs(deploy);
        var login = runs.FirstOrDefault(r => r.StartsWith("azd auth login", StringComparison.Ordinal)) ?? "";
        if (!login.Contains("--federated-credential-provider github", StringComparison.Ordinal))
        {
            problems.Add("deploy: signs in with azd auth login --federated-credential-provider github");
        }

        foreach (var command in new[] { "azd provision --no-prompt", "azd deploy --no-prompt" })
        {
            if (!runs.Contains(command))
            {
                problems.Add($"deploy: runs {command}");
            }
        }

        var environment = deploy["env"] as JsonObject ?? [];
        foreach (var variable in AzdVariables.Concat(pipelineVariables))
        {
            if ((string?)environment[variable] != $"${{{{ vars.{variable} }}}}")
            {
                problems.Add($"deploy: env {variable} comes from vars.{variable}");
            }
        }

        return problems;
    }

    private static List<string> Runs(JsonObject job) =>
        (job["steps"]?.AsArray() ?? []).Select(s => ((string?)s?["run"])?.Trim()).OfType<string>().ToList();
}
