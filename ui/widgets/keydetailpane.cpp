#include "widgets/keydetailpane.h"

#include "model/displaybytes.h"
#include "ops/keyinspection.h"
#include "redis/client.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace cachescope::ui {

KeyDetailPane::KeyDetailPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_keyLabel(new QLabel(this))
    , m_shape(new QLabel(this))
    , m_type(new QLabel(this))
    , m_ttl(new QLabel(this))
    , m_value(new QPlainTextEdit(this))
    , m_more(new QPushButton(tr("Show more of the value"), this))
{
    m_more->hide();
    connect(m_more, &QPushButton::clicked, this, &KeyDetailPane::loadMore);
    m_keyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_keyLabel->setWordWrap(true);
    m_shape->setWordWrap(true);
    m_value->setReadOnly(true);
    m_value->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_value->setPlaceholderText(tr("Select a key to see its value"));
    auto* form = new QFormLayout;
    form->addRow(tr("Key:"), m_keyLabel);
    form->addRow(tr("Shape:"), m_shape);
    form->addRow(tr("Type:"), m_type);
    form->addRow(tr("TTL:"), m_ttl);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_value, 1);
    layout->addWidget(m_more, 0, Qt::AlignLeft);
}

QString KeyDetailPane::valueText() const
{
    return m_value->toPlainText();
}

void KeyDetailPane::showKey(const QByteArray& key)
{
    m_key = key;
    m_limit = ops::maxInspectedValueBytes;
    m_keyLabel->setText(model::displayBytes(key, 400));
    m_shape->clear();
    m_ttl->clear();
    m_value->clear();
    inspect();
}

void KeyDetailPane::loadMore()
{
    m_limit = int(std::min<qint64>(qint64(m_limit) * 16, 64LL * 1024 * 1024));
    inspect();
}

void KeyDetailPane::inspect()
{
    m_type->setText(tr("loading…"));
    m_more->hide();
    if (!m_connection)
        return;
    const quint64 request = ++m_request;
    ops::inspectKey(
        *m_connection, m_key, this,
        [this, request](std::optional<ops::KeyInspection> inspection, const QString& error) {
            if (request != m_request)
                return; // the user has moved on to another key
            if (!inspection) {
                m_type->setText(tr("error: %1").arg(error));
                Q_EMIT loaded();
                return;
            }
            m_shape->setText(ops::describeParsedKey(inspection->parsed));
            const bool isString = inspection->type == "string";
            m_type->setText(isString
                    ? tr("string, %L1 bytes").arg(inspection->valueSize)
                    : tr("%1, %L2 elements").arg(QString::fromUtf8(inspection->type)).arg(inspection->valueSize));
            m_ttl->setText(ops::describePttl(inspection->pttl));
            if (isString) {
                QString text = ops::formatValueForDisplay(inspection->valuePrefix);
                if (inspection->truncated()) {
                    text += tr("\n\n… first %L1 of %L2 bytes shown")
                                .arg(inspection->valuePrefix.size())
                                .arg(inspection->valueSize);
                    m_more->setVisible(m_limit < 64 * 1024 * 1024);
                }
                m_value->setPlainText(text);
            } else if (inspection->exists()) {
                m_value->setPlainText(
                    tr("(a %1: use redis-cli to read its members)").arg(QString::fromUtf8(inspection->type)));
            }
            Q_EMIT loaded();
        },
        m_limit);
}

} // namespace cachescope::ui
