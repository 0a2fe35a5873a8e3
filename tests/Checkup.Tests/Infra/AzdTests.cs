using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Infra;

/// <summary>
/// azure.yaml as the Azure Developer CLI reads it. azd cannot run here, so the file is validated against azd's published
/// JSON schema (a copy in infra/schemas/, so a clean clone needs no network), and what azd would do with it is checked
/// against the repository: the project it publishes, the template it provisions, the variables the pipeline gets.
/// </summary>
public sealed partial class AzdTests
{
    private static string Root => TestEnvironment.RepositoryRoot;

    private static string AzureYamlText => File.ReadAllText(Path.Combine(Root, "azure.yaml"));

    [Fact]
    public void Azure_yaml_is_valid_against_azds_published_schema()
    {
        var problems = AzureYamlValidator.Instance.Problems(AzureYamlText);

        Assert.True(problems.Count == 0, "azure.yaml is refused:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_schema_copy_is_azds_v1_schema()
    {
        var schema = JsonNode.Parse(File.ReadAllText(AzureYamlValidator.SchemaPath))!;

        Assert.Equal("https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json", (string?)schema["$id"]);
        Assert.Equal("https://json-schema.org/draft/2019-09/schema", (string?)schema["$schema"]);
        Assert.Contains("function", schema["properties"]!["services"]!["additionalProperties"]!["properties"]!["host"]!["examples"]!.AsArray().Select(h => (string?)h));
    }

    /// <summary>Each case changes one thing of the real azure.yaml; the same validator that passes it must refuse the change.</summary>
    [Theory]
    [InlineData("host: function", "host: functionz", "functionz")] // not a host azd has: the schema leaves host open (extensions add hosts), the validator does not
    [InlineData("    host: function\n", "", "[\"host\"]")] // a service without a host
    [InlineData("    host: function\n", "    host: function\n    image: checkup:latest\n", "/services/api")] // a function deploys code or an image, not both
    [InlineData("    host: function\n", "    host: function\n    remoteBuild: \"true\"\n", "/services/api/remoteBuild")] // a string where azd wants a boolean
    [InlineData("name: checkup", "name: Checkup", "/name")] // azd's names are lowercase
    [InlineData("provider: github", "provider: gitlab", "/pipeline/provider")] // azd pipeline config knows github and azdo
    public void The_validator_refuses_a_broken_azure_yaml(string from, string to, string named)
    {
        var text = AzureYamlText.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(from, text); // the case still changes something
        var broken = text.Replace(from, to, StringComparison.Ordinal);

        var problems = AzureYamlValidator.Instance.Problems(broken);

        Assert.NotEmpty(problems);
        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void The_api_service_is_the_dotnet_functions_project_and_the_infra_is_main_bicep_with_its_bicepparam()
    {
        var yaml = Yaml.ToJson(AzureYamlText)!;
        var api = yaml["services"]!["api"]!;
        var project = Path.GetFullPath(Path.Combine(Root, (string)api["project"]!));
        var infra = Path.Combine(Root, (string?)yaml["infra"]?["path"] ?? "infra");
        var module = (string?)yaml["infra"]?["module"] ?? "main";

        Assert.Equal(Path.Combine(Root, "Checkup.Functions"), project);
        Assert.True(File.Exists(Path.Combine(project, "Checkup.Functions.csproj")), "azd publishes the one project of the service folder");
        Assert.Equal("dotnet", (string?)api["language"]);
        Assert.Equal("function", (string?)api["host"]);
        Assert.Null(api["dist"]); // azd zips its own publish output, made as tools/publish.sh makes it (below)
        Assert.True(File.Exists(Path.Combine(infra, module + ".bicep")));
        // azd prefers <module>.bicepparam to <module>.parameters.json: the one file both deploy paths use.
        Assert.True(File.Exists(Path.Combine(infra, module + ".bicepparam")));
        Assert.False(File.Exists(Path.Combine(infra, module + ".parameters.json")), "a parameters.json beside the bicepparam would be ignored by azd");
    }

    [Fact]
    public void The_bicepparam_reads_azds_environment_and_every_variable_the_pipeline_is_given()
    {
        var bicepparam = File.ReadAllText(Path.Combine(Root, "infra", "main.bicepparam"));
        var variables = Yaml.ToJson(AzureYamlText)!["pipeline"]!["variables"]!.AsArray().Select(v => (string)v!).ToList();

        Assert.Contains("param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')", bicepparam);
        Assert.Contains("param location = readEnvironmentVariable('AZURE_LOCATION')", bicepparam);
        Assert.NotEmpty(variables);
        Assert.All(variables, v => Assert.Contains($"readEnvironmentVariable('{v}'", bicepparam));
        // And every CHECKUP_ value the bicepparam reads reaches the pipeline, as a variable (secrets are left to Key Vault).
        var read = ReadVariable().Matches(bicepparam).Select(m => m.Groups[1].Value).Where(n => n.StartsWith("CHECKUP_", StringComparison.Ordinal)).ToList();
        Assert.Equal(read.Where(n => !Secrets.Contains(n)).Order(), variables.Order());
    }

    /// <summary>
    /// azd publishes a dotnet service with a plain <c>dotnet publish -c Release --output DIR</c> and zips DIR
    /// (Azure/azure-dev, cli/azd/pkg/tools/dotnet). With no runtime given, Checkup.Functions' Release publish takes the
    /// options tools/publish.sh passes, so azd deploys the same self-contained composite ReadyToRun package.
    /// </summary>
    [Fact]
    public async Task Azds_plain_release_publish_takes_the_options_tools_publish_sh_passes()
    {
        var publishSh = File.ReadAllText(Path.Combine(Root, "tools", "publish.sh"));
        foreach (var option in new[] { "-c Release", "-r linux-x64", "--self-contained", "-p:PublishReadyToRun=true", "-p:PublishReadyToRunComposite=true" })
        {
            Assert.Contains(option, publishSh);
        }

        var azd = await PublishProperties("-p:_IsPublishing=true", "-p:Configuration=Release");
        Assert.Equal("linux-x64", azd["RuntimeIdentifier"]);
        Assert.Equal("true", azd["SelfContained"]);
        Assert.Equal("true", azd["PublishReadyToRun"]);
        Assert.Equal("true", azd["PublishReadyToRunComposite"]);

        // A build, and a publish that names its runtime (bench/run compares with and without ReadyToRun), keep their own.
        var build = await PublishProperties("-p:Configuration=Release");
        Assert.Equal("", build["RuntimeIdentifier"]);
        var bench = await PublishProperties("-p:_IsPublishing=true", "-p:Configuration=Release", "-p:RuntimeIdentifier=linux-x64");
        Assert.Equal("", bench["PublishReadyToRun"]);
    }

    private static readonly HashSet<string> Secrets = ["CHECKUP_CLOUDINARY_URL", "CHECKUP_AUTH_SIGNING_KEY"];

    [GeneratedRegex(@"readEnvironmentVariable\('([A-Z0-9_]+)'")]
    private static partial Regex ReadVariable();

    /// <summary>The publish options MSBuild evaluates for Checkup.Functions under the given global properties (no build).</summary>
    private static async Task<Dictionary<string, string>> PublishProperties(params string[] properties)
    {
        var names = new[] { "RuntimeIdentifier", "SelfContained", "PublishReadyToRun", "PublishReadyToRunComposite" };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var arg in new[] { "msbuild", Path.Combine(Root, "Checkup.Functions", "Checkup.Functions.csproj"), "-nologo", "-nodeReuse:false" }
                     .Concat(properties).Concat(names.Select(n => "-getProperty:" + n)))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed:\n{await output}\n{await error}");
        var json = JsonNode.Parse(await output)!["Properties"]!;
        return names.ToDictionary(n => n, n => (string?)json[n] ?? "");
    }
}
