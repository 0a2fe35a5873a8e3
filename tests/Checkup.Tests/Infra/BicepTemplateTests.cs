using System.Reflection;
using System.Text.Json;
using Checkup.Core.Configuration;
using Checkup.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Tests.Infra;

/// <summary>What the compiled ARM template must hold for the worker to run on Azure as the code expects.</summary>
public sealed class BicepTemplateTests(CompiledTemplate compiled) : IClassFixture<CompiledTemplate>
{
    private static readonly StorageOptions AppDefaults = new();

    [Fact]
    public void Bicep_build_build_params_and_lint_pass_without_a_single_warning()
    {
        Assert.True(compiled.Run.ExitCode == 0, "infra/bicep.sh failed:\n" + compiled.Run.Output);
        Assert.DoesNotContain(": Warning ", compiled.Run.Output);
        Assert.Contains("build and lint clean", compiled.Run.Output);
    }

    [Fact]
    public void Function_app_runs_the_dotnet_isolated_worker_on_net_10_on_flex_consumption_with_a_system_assigned_identity()
    {
        var plan = compiled.Resource("Microsoft.Web/serverfarms");
        var site = compiled.Resource("Microsoft.Web/sites");
        var config = site.GetProperty("properties").GetProperty("functionAppConfig");

        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("SystemAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        // Flex takes the runtime from functionAppConfig only and refuses these as app settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", compiled.Text);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", compiled.Text);
    }

    [Fact]
    public void Storage_holds_the_staging_container_the_image_queue_its_poison_queue_and_the_deployment_container()
    {
        var containers = compiled.Resources("Microsoft.Storage/storageAccounts/blobServices/containers").Select(compiled.LeafName).ToList();
        var queues = compiled.Resources("Microsoft.Storage/storageAccounts/queueServices/queues").Select(compiled.LeafName).ToList();
        var deployment = compiled.Resource("Microsoft.Web/sites").GetProperty("properties").GetProperty("functionAppConfig")
            .GetProperty("deployment").GetProperty("storage").GetProperty("value").GetString()!;

        Assert.Contains(AppDefaults.StagingContainer, containers);
        Assert.Contains(AppDefaults.UploadQueue, queues);
        Assert.Contains(AppDefaults.PoisonQueue, queues);
        // The queue ProcessImage's trigger watches is named by an app setting, and that setting names the deployed queue.
        var setting = ProcessImageQueueSetting();
        Assert.Equal("Storage__UploadQueue", setting);
        Assert.Equal(AppDefaults.UploadQueue, compiled.Evaluate(AppSettings()[setting]));
        Assert.Contains("variables('deploymentContainerName')", deployment);
        Assert.Contains(compiled.Variable("deploymentContainerName"), containers);
    }

    [Fact]
    public void Storage_is_reached_by_identity_with_account_keys_off()
    {
        var account = compiled.Resource("Microsoft.Storage/storageAccounts").GetProperty("properties");
        var settings = AppSettings();
        var roles = compiled.Resources("Microsoft.Authorization/roleAssignments")
            .Select(r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!)
            .ToList();

        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.Contains("primaryEndpoints.blob", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Contains("primaryEndpoints.queue", settings["AzureWebJobsStorage__queueServiceUri"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys); // no connection string, so no key
        Assert.Contains(roles, r => r.Contains("storageBlobDataOwner", StringComparison.Ordinal));
        Assert.Contains(roles, r => r.Contains("storageQueueDataContributor", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_reach_the_app_only_as_key_vault_references_it_may_read()
    {
        var settings = AppSettings();
        var roles = compiled.Resources("Microsoft.Authorization/roleAssignments").ToList();
        var secretsUser = Assert.Single(roles, r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Contains("keyVaultSecretsUser", StringComparison.Ordinal));

        foreach (var name in new[] { "CLOUDINARY_URL", "Auth__SigningKey" })
        {
            Assert.Contains("'@Microsoft.KeyVault(SecretUri={0})'", settings[name]);
            Assert.Contains("Microsoft.KeyVault/vaults/secrets", settings[name]);
        }

        foreach (var secret in new[] { "cloudinaryUrl", "authSigningKey" })
        {
            Assert.Equal("securestring", compiled.Template.GetProperty("parameters").GetProperty(secret).GetProperty("type").GetString());
            Assert.DoesNotContain(settings.Values, v => v.Contains($"parameters('{secret}')", StringComparison.Ordinal));
        }

        Assert.Contains("Microsoft.KeyVault/vaults", secretsUser.GetProperty("scope").GetString());
        Assert.Equal("4633458b-17de-408a-b874-0445c86b69e6", compiled.Template.GetProperty("variables").GetProperty("roles").GetProperty("keyVaultSecretsUser").GetString());
    }

    [Fact]
    public void PostgreSQL_signs_in_with_microsoft_entra_only_and_no_app_setting_holds_a_database_password()
    {
        var server = compiled.Resource("Microsoft.DBforPostgreSQL/flexibleServers").GetProperty("properties");
        var admin = compiled.Resource("Microsoft.DBforPostgreSQL/flexibleServers/administrators");
        var settings = AppSettings();
        var parameters = compiled.Template.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal("Disabled", server.GetProperty("authConfig").GetProperty("passwordAuth").GetString());
        Assert.Equal("Enabled", server.GetProperty("authConfig").GetProperty("activeDirectoryAuth").GetString());
        Assert.False(server.TryGetProperty("administratorLoginPassword", out _));
        Assert.Contains("parameters('postgresEntraAdminObjectId')", admin.GetProperty("name").GetString());
        Assert.Equal("[parameters('postgresEntraAdminName')]", admin.GetProperty("properties").GetProperty("principalName").GetString());
        Assert.Equal("Entra", settings["Database__Authentication"]);
        Assert.Equal("false", settings["Database__MigrateOnStart"]);
        Assert.Contains("Username=", settings["ConnectionStrings__Postgres"]);
        Assert.All(settings, s => Assert.DoesNotContain("password", s.Value, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(parameters, p => p.Contains("password", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(compiled.Resources("Microsoft.KeyVault/vaults/secrets").Select(compiled.LeafName), n => n.Contains("postgres", StringComparison.Ordinal));
    }

    [Fact]
    public void App_settings_give_every_setting_the_app_validates_at_start_and_the_frontend_origins()
    {
        var settings = AppSettings();

        foreach (var name in new[] { "ConnectionStrings__Postgres", "CLOUDINARY_URL", "Auth__Audience", "Auth__Authority", "Auth__Issuer", "APPLICATIONINSIGHTS_CONNECTION_STRING" })
        {
            Assert.Contains(name, settings.Keys);
        }

        Assert.Equal("[join(parameters('frontendOrigins'), ',')]", settings["Cors__AllowedOrigins"]);
        Assert.Equal("array", compiled.Template.GetProperty("parameters").GetProperty("frontendOrigins").GetProperty("type").GetString());
    }

    [Fact]
    public void Alerts_watch_the_poison_queue_failed_and_stuck_images_and_the_cleanup_timer()
    {
        var alerts = compiled.Template.GetProperty("variables").GetProperty("alerts").EnumerateArray().ToList();
        var rule = compiled.Resource("Microsoft.Insights/scheduledQueryRules");

        Assert.Equal(["cleanup-not-running", "failed-images", "poison-queue", "stuck-images"], alerts.Select(a => a.GetProperty("name").GetString()).Order());
        Assert.Equal("[length(variables('alerts'))]", rule.GetProperty("copy").GetProperty("count").GetString());
        Assert.Contains(AppDefaults.PoisonQueue, QueryOf(alerts, "poison-queue"));
        Assert.Contains("cld-upload-failure", QueryOf(alerts, "failed-images"));
        Assert.Contains("\"CleanupImages\"", QueryOf(alerts, "cleanup-not-running"));
        Assert.Contains("workspaces", rule.GetProperty("properties").GetProperty("scopes")[0].GetString());
    }

    [Fact]
    public void Outputs_give_the_function_app_url()
    {
        var outputs = compiled.Template.GetProperty("outputs");

        Assert.Contains("defaultHostName", outputs.GetProperty("functionAppUrl").GetProperty("value").GetString());
        Assert.StartsWith("[format('https://{0}'", outputs.GetProperty("functionAppUrl").GetProperty("value").GetString());
    }

    private Dictionary<string, string> AppSettings() =>
        compiled.Resource("Microsoft.Web/sites/config").GetProperty("properties").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);

    /// <summary>A query is loaded from infra/queries at build time; in the template it is a variable of its own.</summary>
    private string QueryOf(List<JsonElement> alerts, string name)
    {
        var query = alerts.Single(a => a.GetProperty("name").GetString() == name).GetProperty("query").GetString()!;
        return query.StartsWith("[variables('", StringComparison.Ordinal) ? compiled.Variable(query["[variables('".Length..^"')]".Length]) : query;
    }

    /// <summary>
    /// The app setting that names ProcessImage's queue, from its <c>[QueueTrigger("%Setting:Name%")]</c> (the worker's
    /// functions.metadata carries the same): "Storage:UploadQueue" is the app setting Storage__UploadQueue.
    /// </summary>
    private static string ProcessImageQueueSetting()
    {
        var method = typeof(Checkup.Functions.Functions.ImagePipelineFunctions).GetMethod("ProcessImage")!;
        var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).Single(a => a is not null)!;
        Assert.Matches("^%[^%]+%$", trigger.QueueName); // a setting, not a literal queue name
        return trigger.QueueName.Trim('%').Replace(":", "__", StringComparison.Ordinal);
    }
}
